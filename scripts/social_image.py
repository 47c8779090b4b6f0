"""The default link-preview image (AUTHOR_PROFILE["DEFAULT_IMAGE"]): 1200×630 PNG.

LinkedIn, Open Graph and Twitter cards show it for a post without its own
`Image:`. `make init` draws it with the writer's name, headline and site
address (Pillow), so no preview ever shows the sample's author. The PNG
carries a text chunk saying it was generated here: a later `make init` redraws
an image it made, and never one the writer put in its place.

    python -m scripts social-image OUT.png --name "Sam Rivera" --headline "…" --site sam-rivera.dev
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# The drawing lives in connected/social_image.py (shared with the per-post cards
# of plugins/social_cards); this module is its command line.
from connected.social_image import HEIGHT, MARKER_KEY, MARKER_VALUE, WIDTH, is_generated, render

__all__ = ["HEIGHT", "MARKER_KEY", "MARKER_VALUE", "WIDTH", "is_generated", "main", "render"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts social-image", description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--headline", default="")
    parser.add_argument("--site", default="")
    args = parser.parse_args(argv)
    from connected.files import write_atomic

    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.output, render(args.name, args.headline, args.site), mode=0o644)
    print(f"Wrote {args.output} ({WIDTH}×{HEIGHT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
