#!/usr/bin/env python3
"""Packs a built site (trunk build --public-url ./) into a zip that a learning platform imports
as content: an IMS Content Package with SCORM 1.2 metadata, its imsmanifest.xml at the root,
every file of the site listed, and the whole page (or one figure's embed view) as the launch
resource.

The launch resource is a SCORM "asset": the page never looks for the platform's SCORM API and
reports nothing to it (no score, no completion, no time), as a plain content page would not.

    scripts/package.py --site target/site-package --out target/package/sgd-stability.zip
    scripts/package.py --site target/site-package --out … --figure edge-of-stability
    scripts/package.py --check-figure edge-of-stability --page www/index.html

Bad input (no built site, a figure the page does not have) gets a message and builds nothing.
"""

import argparse
import os
import re
import sys
import tempfile
import zipfile
from xml.sax.saxutils import escape, quoteattr

TITLE = "SGD: A Stability Perspective"
MANIFEST = "imsmanifest.xml"


def fail(message):
    print(f"package: {message}", file=sys.stderr)
    sys.exit(2)


def figure_ids(page):
    """The ids of the page's figures, in page order."""
    return re.findall(r'<figure class="explorable"[^>]*\bid="([a-z0-9-]+)"', page)


def figure_title(page, figure):
    """The figure's section heading, as plain text, for the package's title."""
    match = re.search(r'<section[^>]*\bid="sec-' + re.escape(figure) + r'"[^>]*>\s*<h2[^>]*>(.*?)</h2>', page, re.S)
    if not match:
        return figure
    text = re.sub(r"<[^>]+>", "", match.group(1))
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip()


def site_files(site):
    """Every file of the site, as paths relative to it with forward slashes, sorted."""
    files = []
    for root, _dirs, names in os.walk(site):
        for name in names:
            files.append(os.path.relpath(os.path.join(root, name), site).replace(os.sep, "/"))
    return sorted(files)


def launch_page(figure):
    """A page that opens the figure's embed view: a meta refresh, since the page's
    Content-Security-Policy allows no inline script (and a platform may launch only a file,
    without a query)."""
    target = f"index.html?embed={figure}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0; url={target}">
<title>{escape(TITLE)}</title>
</head>
<body>
<p><a href="{target}">Open the figure</a>.</p>
</body>
</html>
"""


def manifest(identifier, title, launch, files):
    """imsmanifest.xml: one organization with one item, launching one resource that lists every
    file of the package but the manifest itself."""
    listed = "\n".join(f"      <file href={quoteattr(f)}/>" for f in files if f != MANIFEST)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier={quoteattr(identifier)} version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="organization">
    <organization identifier="organization">
      <title>{escape(title)}</title>
      <item identifier="item-launch" identifierref="resource-launch" isvisible="true">
        <title>{escape(title)}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="resource-launch" type="webcontent" adlcp:scormtype="asset" href={quoteattr(launch)}>
{listed}
    </resource>
  </resources>
</manifest>
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", help="the site built with trunk build --public-url ./")
    parser.add_argument("--out", help="the zip to write")
    parser.add_argument("--figure", default="", help="one figure's id: the package launches its embed view")
    parser.add_argument("--check-figure", metavar="ID", help="only check that the page --page has figure ID (empty: any)")
    parser.add_argument("--page", help="the page's source, for --check-figure")
    args = parser.parse_args()

    if args.check_figure is not None:
        with open(args.page, encoding="utf-8") as f:
            ids = figure_ids(f.read())
        if args.check_figure and args.check_figure not in ids:
            fail(f"the page has no figure \u201c{args.check_figure}\u201d; its figures are {', '.join(ids)}")
        return
    if not args.site or not args.out:
        parser.error("--site and --out are needed to make a package")

    index = os.path.join(args.site, "index.html")
    if not os.path.isfile(index):
        fail(f"no built site at {args.site} (index.html is missing); build it with trunk build --public-url ./")
    with open(index, encoding="utf-8") as f:
        page = f.read()
    if '<base href="./"' not in page:
        fail(f"{args.site} was not built for a relative path; build it with trunk build --public-url ./")
    ids = figure_ids(page)
    if args.figure and args.figure not in ids:
        fail(f"the page has no figure \u201c{args.figure}\u201d; its figures are {', '.join(ids)}")

    # The page's resources are relative ("./…"): without the <base> element, links within the
    # page ("#section") stay on the page wherever the platform serves it, instead of leading to
    # the package's directory.
    page = re.sub(r'\s*<base href="\./"\s*/?>', "", page, count=1)

    entries = {name: None for name in site_files(args.site)}
    entries["index.html"] = page.encode("utf-8")
    if args.figure:
        launch = "launch.html"
        if launch in entries:
            fail(f"the site already has a {launch}")
        entries[launch] = launch_page(args.figure).encode("utf-8")
        identifier = f"sgd-stability-{args.figure}"
        title = f"{TITLE}: {figure_title(page, args.figure)}"
    else:
        launch = "index.html"
        identifier = "sgd-stability"
        title = TITLE
    entries[MANIFEST] = manifest(identifier, title, launch, sorted(entries)).encode("utf-8")

    # Written beside the target and renamed, so that a failure leaves no half-written package.
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out_dir, suffix=".zip", delete=False) as tmp:
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as package:
                for name in [MANIFEST] + sorted(n for n in entries if n != MANIFEST):
                    content = entries[name]
                    if content is None:
                        package.write(os.path.join(args.site, name), name)
                    else:
                        package.writestr(name, content)
        except BaseException:
            os.unlink(tmp.name)
            raise
    os.replace(tmp.name, args.out)
    print(f"package: {args.out} ({len(entries)} files, launches {launch})")


if __name__ == "__main__":
    main()
