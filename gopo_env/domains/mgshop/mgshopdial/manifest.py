"""The MG-ShopDial files gopo-bench reads, pinned to one upstream commit by sha256.

Upstream: github.com/iai-group/MG-ShopDial (Bernard & Balog, SIGIR 2023). The sha256 of the
dialogues and the catalogues are the ones published with the data; upstream lists none for
the scenario list (``topics.yml``), so its hash was computed from the file at the same commit.
"""

from __future__ import annotations

import urllib.parse

from gopo_env.data.fetch import Manifest, ManifestEntry

NAME = "mgshopdial"
COMMIT = "7bed1fbbce47684d15f3f017d68865dfbced3add"
RAW_BASE = f"https://raw.githubusercontent.com/iai-group/MG-ShopDial/{COMMIT}"

DIALOGUES = "MGShopDial/MGShopDial.json"
TOPICS = "CCC/ccc/app/chat/static/yml/topics.yml"
ITEMS_DIR = "CCC/data/items"
CATALOGUE_FILES: dict[str, str] = {
    "books": f"{ITEMS_DIR}/Books_items.json",
    "sports_outdoors": f"{ITEMS_DIR}/SportsandOutdoors_items.json",
    "office_products": f"{ITEMS_DIR}/Officeproducts_items.json",
    "cellphones_accessories": f"{ITEMS_DIR}/Cellphones&Accessories_items.json",
}
"""The project's category name -> its catalogue file."""

_SHA256 = {
    DIALOGUES: "9e879293623a12302fa9aeb888bf20b7c52f71a17904e5fd36922c58335f0ab5",
    CATALOGUE_FILES["books"]: "a42aaa107781ef9637c21a1d1199fa18f0bda660448fe706d48eee6c316560c2",
    CATALOGUE_FILES["cellphones_accessories"]:
        "10dd75900b0e1748bf2da066ea69bc0c2c7f9f102c169db07e92bb17cfbea552",
    CATALOGUE_FILES["office_products"]: "519e098b69ca77e1ce2c30ab59bb61af50bd68172ff0d72be85ce4c4b7ab774d",
    CATALOGUE_FILES["sports_outdoors"]: "bad06a3c84b193b099b6becb9b8fb9d662573c5736474fb98b8f1853fab06abe",
    TOPICS: "5901b35837db9a710ee846e08f1d2d1e307d0565bc5cf02f43c32f0c015c0a9a",
}

MANIFEST = Manifest(
    name=NAME,
    files=tuple(ManifestEntry(rel, f"{RAW_BASE}/{urllib.parse.quote(rel)}", sha)
                for rel, sha in _SHA256.items()),
    marker=DIALOGUES,
)
