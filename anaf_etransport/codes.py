"""e-Transport v2 code lists (XSD enumerations and Schematron lists) used by the declaration model."""

from __future__ import annotations

__all__ = [
    "BORDER_POINTS",
    "CONFIRMATION_TYPES",
    "COUNTY_CODES",
    "DOCUMENT_TYPES",
    "EU_COUNTRIES",
    "OPERATION_TYPES",
    "PURPOSE_CODES",
]

#: codTipOperatiune -> meaning.
OPERATION_TYPES: dict[str, str] = {
    "10": "AIC - intra-EU acquisition",
    "12": "LHI - lohn operations (EU) - in",
    "14": "SCI - call-off stock - in",
    "20": "LIC - intra-EU delivery",
    "22": "LHE - lohn operations (EU) - out",
    "24": "SCE - call-off stock - out",
    "30": "TTN - transport on national territory",
    "40": "IMP - import",
    "50": "EXP - export",
    "60": "DIN - intra-EU transaction, in for storage / new transport",
    "70": "DIE - intra-EU transaction, out after storage / new transport",
}

#: codScopOperatiune -> meaning.
PURPOSE_CODES: dict[str, str] = {
    "101": "sale",
    "201": "production",
    "301": "free goods",
    "401": "commercial equipment",
    "501": "fixed assets",
    "601": "own use",
    "703": "delivery with installation",
    "704": "transfer between stores",
    "705": "call-off at client",
    "801": "leasing",
    "802": "warranty goods",
    "901": "exempt operations",
    "1001": "investment in progress",
    "1101": "donations",
    "9901": "other",
    "9999": "same as operation",
}

#: Allowed codScopOperatiune per codTipOperatiune (Schematron BR-068, BR-069, BR-070 and the 9999 rule).
PURPOSES_BY_OPERATION: dict[str, frozenset[str]] = {
    "10": frozenset({"101", "201", "301", "401", "501", "601", "703", "801", "802", "901", "1001", "1101", "9901"}),
    "20": frozenset({"101", "301", "703", "801", "802", "9901"}),
    "30": frozenset({"101", "704", "705", "9901"}),
    **{op: frozenset({"9999"}) for op in ("12", "14", "22", "24", "40", "50", "60", "70")},
}

#: Schematron ``ISO-3166-EU-CODES`` (Greece is EL, Northern Ireland XI).
EU_COUNTRIES = frozenset("AT BE BG CZ CY DE DK EE EL ES FI HR HU IE IT FR LV LT LU MT NL PL PT RO SI SE SK XI".split())

#: codJudet: 1..40 plus 51 (Calarasi) and 52 (Giurgiu); 40 is Bucharest.
COUNTY_CODES = frozenset({str(i) for i in range(1, 41)} | {"51", "52"})

#: codPtf: border crossing points 1..38.
BORDER_POINTS = frozenset(range(1, 39))

#: tipDocument: 10 CMR, 20 invoice, 30 delivery note (aviz), 9999 other (needs observatii, BR-026).
DOCUMENT_TYPES: dict[str, str] = {"10": "CMR", "20": "factura", "30": "aviz de insotire", "9999": "altele"}

#: tipConfirmare: 10 confirmed, 20 partially confirmed, 30 rejected.
CONFIRMATION_TYPES: dict[str, str] = {"10": "confirmed", "20": "partially confirmed", "30": "rejected"}
