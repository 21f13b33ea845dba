"""``python -m tests.fakes.anaf --port N``: run the fake ANAF by hand (demos, manual tests)."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from tests.fakes.anaf.app import build_app
from tests.fakes.anaf.state import FakeAnafState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.anaf", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--processing-delay", type=float, default=2.0, help="seconds in 'in prelucrare'")
    parser.add_argument("--envelope", action="store_true", help="registry answers with the {cod,message} envelope")
    parser.add_argument("--cert-out", type=Path, default=None, help="write the fake signing certificate (PEM) here")
    args = parser.parse_args(argv)
    state = FakeAnafState()
    state.config.processing_delay_s = args.processing_delay
    state.config.registry_envelope = args.envelope
    if args.cert_out:
        args.cert_out.write_bytes(state.identity.certificate_pem)
    base = f"http://{args.host}:{args.port}"
    print(
        f"fake ANAF on {base}  (OAuth client fake-client-id / fake-client-secret, "
        "redirect https://localhost:8443/callback)"
    )
    print(
        f"  ANAF_REGISTRY_URL={base}/api/PlatitorTvaRest/v9/tva ANAF_API_BASE_URL={base} "
        f"ANAF_PUBLIC_BASE_URL={base} ANAF_OAUTH_BASE_URL={base}/anaf-oauth2/v1"
    )
    uvicorn.run(build_app(state), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
