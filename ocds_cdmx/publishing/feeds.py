"""An Atom feed (RFC 4287) per agency: its new and changed processes, the latest first.

One entry per process and night; its id is the release's permanent URL (package URL ``#`` release id),
its link the process's record, its date the night it was published.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from ..report.messages import N_, tr
from .layout import feed_path, night_package_path, record_path, url_for

#: Entries in a feed.
ENTRIES = 100
NEW = N_("New process: {title}")
CHANGED = N_("Process updated: {title}")
FEED_TITLE = N_("{agency}: procurement processes published as OCDS")
TAGS = N_("Release tags: {tags}")


def feed(
    base_url: str,
    agency: str,
    name: str,
    recent: list[tuple[str, str, str, str]],
    first_nights: dict[str, str],
    lang: str,
) -> bytes:
    """The agency's feed from its latest releases ``(night, ocid, release_id, text)``, newest first;
    ``first_nights`` tells the night each OCID was first published."""
    entries: list[tuple[str, str, str, dict]] = []
    seen: set[tuple[str, str]] = set()
    for night, ocid, release_id, text in recent:
        if (night, ocid) in seen:
            continue
        seen.add((night, ocid))
        entries.append((night, ocid, release_id, json.loads(text)))
        if len(entries) >= ENTRIES:
            break
    updated = max((night for night, _, _, _ in entries), default="1970-01-01T00:00:00Z")
    self_url = url_for(base_url, feed_path(agency))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>{escape(self_url)}</id>",
        f"  <title>{escape(tr(FEED_TITLE, lang).format(agency=name))}</title>",
        f"  <updated>{escape(updated)}</updated>",
        f'  <link rel="self" href={quoteattr(self_url)}/>',
        f"  <author><name>{escape(name)}</name></author>",
    ]
    for night, ocid, release_id, release in entries:
        tags = [t for t in release.get("tag") or [] if isinstance(t, str)]
        title = (release.get("tender") or {}).get("title") if isinstance(release.get("tender"), dict) else None
        title = title if isinstance(title, str) and title else ocid
        new = first_nights.get(ocid) == night
        heading = tr(NEW if new else CHANGED, lang).format(title=title)
        link = url_for(base_url, record_path(ocid))
        entry_id = url_for(base_url, night_package_path(agency, night)) + "#" + release_id
        lines += [
            "  <entry>",
            f"    <id>{escape(entry_id)}</id>",
            f"    <title>{escape(heading)}</title>",
            f"    <updated>{escape(night)}</updated>",
            f"    <link href={quoteattr(link)}/>",
            f"    <summary>{escape(ocid)} — {escape(tr(TAGS, lang).format(tags=', '.join(tags)))}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")
