#!/usr/bin/env python3
"""Write Samples/zendesk-xml: the account of Samples/zendesk-full, as Zendesk's XML account export lays it out.

    python3 Samples/make_zendesk_xml.py          # reads Samples/zendesk-full, writes Samples/zendesk-xml
    python3 Samples/make_zendesk_xml.py --check  # fails if the files in Samples/zendesk-xml are not current

Run Samples/make_zendesk_layouts.py first when the account itself changes: this script only converts its JSON full
export. The XML export is the Rails serialisation of Zendesk's records (`<tickets type="array"><ticket>`, dashed
names, `type="integer|boolean|datetime"`, `nil="true"`), with the numeric codes of the old API (status-id,
priority-id, ticket-type-id, roles) and the comments inside each ticket. Facts, sources and what is assumed where
no source says: docs/zendesk-export-facts.md ("XML export").
Deterministic: no randomness, no clock.
"""
import json
import os
import shutil
import sys
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "zendesk-full")
OUT = os.path.join(HERE, "zendesk-xml")

# The old REST API's fixed values (the XML export uses the same codes).
STATUS_ID = {"new": 0, "open": 1, "pending": 2, "solved": 3, "closed": 4, "hold": 6}
PRIORITY_ID = {None: 0, "low": 1, "normal": 2, "high": 3, "urgent": 4}
TICKET_TYPE_ID = {None: 0, "question": 1, "incident": 2, "problem": 3, "task": 4}
ROLES = {"end-user": 0, "admin": 2, "agent": 4}
VIA_ID = {"web": 0, "email": 4, "api": 5}
# Files the XML export does not hold; the JSON sample has them from the API too, one response per file.
FROM_API = ["ticket_fields.json", "user_fields.json", "organization_fields.json"]


def ndjson(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def el(name, value, kind=None, indent=4):
    """One element as Rails writes it: typed, nil="true" for null (with the type kept)."""
    pad = " " * indent
    attrs = f' type="{kind}"' if kind else ""
    if value is None:
        return f'{pad}<{name}{attrs} nil="true"></{name}>'
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = escape(str(value))
    return f"{pad}<{name}{attrs}>{text}</{name}>"


def array(name, items, render, indent=4):
    pad = " " * indent
    if not items:
        return [f'{pad}<{name} type="array"/>']
    out = [f'{pad}<{name} type="array">']
    for item in items:
        out += render(item, indent + 2)
    out.append(f"{pad}</{name}>")
    return out


def hash_el(name, obj, indent=4):
    """A `{key: value}` object (custom user and organization fields) as a hash of elements named by key."""
    pad = " " * indent
    out = [f'{pad}<{name} type="hash">']
    for k in sorted(obj):
        v = obj[k]
        kind = "boolean" if isinstance(v, bool) else "float" if isinstance(v, float) else "integer" if isinstance(v, int) else None
        out.append(el(k, v, kind, indent + 2))
    out.append(f"{pad}</{name}>")
    return out


def field_text(v):
    """A ticket field entry's value, as the ticket_field_entries table stores it: text; a multi-select is its
    option tags separated by spaces (as Zendesk also keeps them among the ticket's tags)."""
    if isinstance(v, list):
        return " ".join(v)
    return v


def attachment(a, indent):
    pad = " " * indent
    return [f"{pad}<attachment>",
            el("content-type", a["content_type"], indent=indent + 2),
            el("filename", a["file_name"], indent=indent + 2),
            el("id", a["id"], "integer", indent + 2),
            el("is-inline", a.get("inline", False), "boolean", indent + 2),
            el("size", a["size"], "integer", indent + 2),
            el("url", a["content_url"], indent=indent + 2),
            f"{pad}</attachment>"]


def comment(c, indent):
    pad = " " * indent
    return ([f"{pad}<comment>",
             el("author-id", c["author_id"], "integer", indent + 2),
             el("created-at", c["created_at"], "datetime", indent + 2),
             el("id", c["id"], "integer", indent + 2),
             el("is-public", c["public"], "boolean", indent + 2),
             el("value", c["body"], indent=indent + 2),
             el("via-id", VIA_ID[c["via"]["channel"]], "integer", indent + 2)]
            + array("attachments", c["attachments"], attachment, indent + 2)
            + [f"{pad}</comment>"])


def field_entry(f, indent):
    pad = " " * indent
    return [f"{pad}<ticket-field-entry>",
            el("ticket-field-id", f["id"], "integer", indent + 2),
            el("value", field_text(f["value"]), indent=indent + 2),
            f"{pad}</ticket-field-entry>"]


def ticket(t):
    out = ["  <ticket>",
           el("assignee-id", t["assignee_id"], "integer"),
           el("created-at", t["created_at"], "datetime"),
           el("current-tags", " ".join(t["tags"])),
           el("description", t["description"]),
           el("due-date", t["due_at"], "datetime"),
           el("external-id", t["external_id"]),
           el("group-id", t["group_id"], "integer"),
           el("nice-id", t["id"], "integer"),
           el("organization-id", t["organization_id"], "integer"),
           el("priority-id", PRIORITY_ID[t["priority"]], "integer"),
           el("problem-id", t["problem_id"], "integer"),
           el("recipient", t["recipient"]),
           el("requester-id", t["requester_id"], "integer"),
           el("status-id", STATUS_ID[t["status"]], "integer"),
           el("subject", t["subject"]),
           el("submitter-id", t["submitter_id"], "integer"),
           el("ticket-type-id", TICKET_TYPE_ID[t["type"]], "integer"),
           el("updated-at", t["updated_at"], "datetime"),
           el("via-id", VIA_ID[t["via"]["channel"]], "integer")]
    out += array("comments", t["comments"], comment)
    out += array("ticket-field-entries", [f for f in t["custom_fields"] if f["value"] not in (None, [], "")], field_entry)
    out.append("  </ticket>")
    return out


def user(u):
    out = ["  <user>",
           el("created-at", u["created_at"], "datetime"),
           el("current-tags", " ".join(u["tags"])),
           el("details", u["details"]),
           el("email", u["email"]),
           el("external-id", u["external_id"]),
           el("id", u["id"], "integer"),
           el("is-active", u["active"], "boolean"),
           el("is-verified", u["verified"], "boolean"),
           el("locale-id", u["locale_id"], "integer"),
           el("name", u["name"]),
           el("notes", u["notes"]),
           el("organization-id", u["organization_id"], "integer"),
           el("phone", u["phone"]),
           el("roles", ROLES[u["role"]], "integer"),
           el("time-zone", u["time_zone"]),
           el("updated-at", u["updated_at"], "datetime")]
    out += hash_el("user-fields", u["user_fields"])
    out.append("  </user>")
    return out


def organization(o):
    out = ["  <organization>",
           el("created-at", o["created_at"], "datetime"),
           el("current-tags", " ".join(o["tags"])),
           el("default", " ".join(o["domain_names"])),
           el("details", o["details"]),
           el("external-id", o["external_id"]),
           el("group-id", o["group_id"], "integer"),
           el("id", o["id"], "integer"),
           el("is-shared", o["shared_tickets"], "boolean"),
           el("is-shared-comments", o["shared_comments"], "boolean"),
           el("name", o["name"]),
           el("notes", o["notes"]),
           el("updated-at", o["updated_at"], "datetime")]
    out += hash_el("organization-fields", o["organization_fields"])
    out.append("  </organization>")
    return out


def document(root, records, render):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} type="array" count="{len(records)}">']
    for r in records:
        lines += render(r)
    lines.append(f"</{root}>")
    return "\n".join(lines) + "\n"


def files():
    out = {
        "tickets.xml": document("tickets", ndjson("tickets.json"), ticket),
        "users.xml": document("users", ndjson("users.json"), user),
        "organizations.xml": document("organizations", ndjson("organizations.json"), organization),
    }
    for name in FROM_API:
        with open(os.path.join(SRC, name), encoding="utf-8") as f:
            out[name] = f.read()
    return out


def main():
    wanted = files()
    if "--check" in sys.argv:
        stale = [n for n, text in wanted.items()
                 if not os.path.exists(os.path.join(OUT, n)) or open(os.path.join(OUT, n), encoding="utf-8").read() != text]
        if stale:
            sys.exit(f"Samples/zendesk-xml is not current ({', '.join(stale)}): run python3 Samples/make_zendesk_xml.py")
        print("Samples/zendesk-xml is current")
        return
    os.makedirs(OUT, exist_ok=True)
    for name, text in wanted.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"wrote {len(wanted)} files to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
