"""Whether a shipment needs an e-Transport declaration (OUG 41/2022 as amended; ANAF.md §3).

The law: a road vehicle with a maximum authorised mass of at least 2.5 t carrying, per consignment,
more than 500 kg gross or more than 10,000 lei (without VAT) of goods must be declared when the
transport is international (every kind since 15.12.2023) or domestic with high-fiscal-risk goods
(OPANAF 802/2022 list). The suite's warehouse module (iWMS) files only consignments worth more than
10,000 RON (roadmap 315): ``suite_files`` says whether it will, ``gap`` flags a legally required
declaration that the suite's threshold would skip, so a human can file it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["DeclarationPolicy", "PolicyDecision", "Shipment", "declaration_policy"]

GROSS_MASS_LIMIT_KG = Decimal(500)
VALUE_LIMIT_RON = Decimal(10_000)
VEHICLE_MASS_LIMIT_KG = Decimal(2_500)

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Shipment(BaseModel):
    """What the policy needs to know about one consignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origin_country: Country = "RO"
    destination_country: Country = "RO"
    gross_weight_kg: Decimal = Field(ge=0)
    value_ron: Decimal = Field(ge=0, description="value without VAT, in RON")
    high_risk_goods: bool = Field(default=False, description="any line on the OPANAF 802/2022 high-fiscal-risk list")
    vehicle_max_mass_kg: Decimal | None = Field(
        default=None, ge=0, description="maximum authorised mass; unknown is treated as >= 2.5 t"
    )


class PolicyDecision(BaseModel):
    """The verdict, with the reasons that led to it."""

    required: bool
    suite_files: bool
    gap: bool
    reasons: list[str]


class DeclarationPolicy:
    """The rule with its thresholds (overridable for tests of future amendments)."""

    def __init__(
        self,
        *,
        gross_mass_limit_kg: Decimal = GROSS_MASS_LIMIT_KG,
        value_limit_ron: Decimal = VALUE_LIMIT_RON,
        suite_threshold_ron: Decimal = VALUE_LIMIT_RON,
    ):
        self.gross_mass_limit_kg = gross_mass_limit_kg
        self.value_limit_ron = value_limit_ron
        self.suite_threshold_ron = suite_threshold_ron

    def decide(self, s: Shipment) -> PolicyDecision:
        reasons: list[str] = []
        international = s.origin_country != "RO" or s.destination_country != "RO"
        heavy_vehicle = s.vehicle_max_mass_kg is None or s.vehicle_max_mass_kg >= VEHICLE_MASS_LIMIT_KG
        over_mass = s.gross_weight_kg > self.gross_mass_limit_kg
        over_value = s.value_ron > self.value_limit_ron
        if not heavy_vehicle:
            reasons.append("vehicle under 2.5 t maximum mass: outside e-Transport")
        if not (over_mass or over_value):
            reasons.append(f"gross mass <= {self.gross_mass_limit_kg} kg and value <= {self.value_limit_ron} RON")
        if international:
            reasons.append(f"international transport {s.origin_country}->{s.destination_country}")
        elif s.high_risk_goods:
            reasons.append("domestic transport of high-fiscal-risk goods")
        else:
            reasons.append("domestic transport without high-fiscal-risk goods")
        required = heavy_vehicle and (over_mass or over_value) and (international or s.high_risk_goods)
        if required:
            reasons.append(
                "over "
                + " and ".join(
                    x
                    for x, on in (
                        (f"{self.gross_mass_limit_kg} kg gross", over_mass),
                        (f"{self.value_limit_ron} RON", over_value),
                    )
                    if on
                )
            )
        suite_files = required and s.value_ron > self.suite_threshold_ron
        return PolicyDecision(
            required=required, suite_files=suite_files, gap=required and not suite_files, reasons=reasons
        )


def declaration_policy(shipment: Shipment) -> PolicyDecision:
    """The verdict under today's thresholds."""
    return DeclarationPolicy().decide(shipment)
