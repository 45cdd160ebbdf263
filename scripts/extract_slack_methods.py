"""Regenerate bot/slack_standin/methods.json from Slack's OpenAPI spec.

Usage (from the repository root):
    python scripts/extract_slack_methods.py [--spec PATH] [--out PATH] [--check]

The spec defaults to ../shared/slack/slack_web_openapi_v2.json. With --check nothing is
written and the exit status is 1 when methods.json is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.slack_standin.spec import (  # noqa: E402
    METHODS_JSON,
    SPEC_RELATIVE_PATH,
    extract_methods,
    render_methods_json,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate methods.json from the spec.")
    parser.add_argument("--spec", type=Path, default=ROOT.parent / SPEC_RELATIVE_PATH)
    parser.add_argument("--out", type=Path, default=METHODS_JSON)
    parser.add_argument("--check", action="store_true", help="fail if --out is out of date")
    ns = parser.parse_args(argv)
    text = render_methods_json(extract_methods(json.loads(ns.spec.read_text(encoding="utf-8"))))
    if ns.check:
        current = ns.out.read_text(encoding="utf-8") if ns.out.exists() else ""
        if current != text:
            print(f"{ns.out} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    ns.out.write_text(text, encoding="utf-8")
    print(f"wrote {ns.out} ({len(json.loads(text))} methods)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
