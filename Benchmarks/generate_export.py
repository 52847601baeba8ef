#!/usr/bin/env python3
"""A Zendesk-style full export for the migration benchmark.

    generate_export.py TICKETS OUT_DIR [COMMENTS_PER_TICKET] [--zendesk]

Writes OUT_DIR/organizations.json, users.json (one end-user per 5 tickets, plus agents) and tickets.ndjson
(the full-export layout: one ticket per line with its comments inline). Deterministic.

Each comment's html_body is its body in one <p> by default. With --zendesk the export is shaped like a real
one for `plan` with the built-in mapping: html_body as Zendesk writes it (a zd-comment div, a greeting and
paragraphs split at random, <br> line breaks, &nbsp; and &amp;, now and then a link, a list or an inline image
with an /attachments/token/ URL), and the other fields that mapping reads (users' suspended, notes,
user_fields, phone, time_zone, locale, updated_at; organizations' organization_fields, domain_names, tags;
tickets' organization_id and submitter_id). The plain bodies, ids and every value of the default output stay
exactly as they are without the option (the markup takes its randomness from a generator of its own).
"""
import json
import os
import random
import sys

args = sys.argv[1:]
zendesk = "--zendesk" in args
if zendesk:
    args.remove("--zendesk")
html_style = "zendesk" if zendesk else "simple"
tickets = int(args[0])
out = args[1]
per = int(args[2]) if len(args) > 2 else 5
markup = random.Random(7)


def zendesk_html(c, body):
    """The comment's text as Zendesk writes html_body (what htmlToText turns back into text)."""
    words = body.split(" ")
    parts = []
    i = 0
    while i < len(words):
        n = 6 + markup.randrange(14)
        parts.append(" ".join(words[i:i + n]))
        i += n
    paras = [f"<p dir=\"auto\">Hi&nbsp;there,</p>", f"<p dir=\"auto\">Message {c}: {parts[0]}</p>"]
    for part in parts[1:]:
        kind = markup.randrange(10)
        if kind == 0:
            paras.append(f"<p dir=\"auto\">{part} &amp; <a href=\"https://help.example.com/articles/{markup.randrange(900)}\" rel=\"noreferrer\">more</a></p>")
        elif kind == 1:
            items = "".join(f"<li>{w}</li>" for w in part.split(" ")[:3])
            paras.append(f"<ul>{items}</ul>")
        elif kind == 2:
            paras.append(f"<p dir=\"auto\">{part}<br><img src=\"https://example.zendesk.com/attachments/token/T{markup.randrange(10**8)}/?name=image.png\" alt=\"image.png\"></p>")
        elif kind == 3:
            paras.append(f"<p dir=\"auto\">{part}<br>\n{part[:20]}</p>")
        else:
            paras.append(f"<p dir=\"auto\">{part}</p>")
    return "<div class=\"zd-comment\" dir=\"auto\">" + "".join(paras) + "<p dir=\"auto\">Thanks,<br>Customer</p></div>"

os.makedirs(out, exist_ok=True)
rng = random.Random(42)
users = max(10, tickets // 5)
orgs = max(2, users // 200)

with open(os.path.join(out, "organizations.json"), "w") as f:
    rows = [{"id": 5000 + i, "name": f"Org {i}", "details": f"Organization {i}"} for i in range(1, orgs + 1)]
    if zendesk:
        for o in rows:
            o.update({"organization_fields": {}, "domain_names": [f"org{o['id']}.example.com"], "tags": []})
    json.dump({"organizations": rows, "next_page": None, "count": orgs}, f)

with open(os.path.join(out, "users.json"), "w") as f:
    rows = [{"id": 1, "name": "Alex Agent", "email": "alex.agent@sandbox.cstar.test", "role": "agent"},
            {"id": 2, "name": "Sam Support", "email": "sam.support@sandbox.cstar.test", "role": "agent"}]
    for i in range(1, users + 1):
        rows.append({"id": 1000 + i, "name": f"Customer {i}", "email": f"customer{i}@example.com", "role": "end-user",
                     "organization_id": 5000 + 1 + i % orgs, "tags": ["vip"] if i % 17 == 0 else [],
                     "created_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}Z"})
    if zendesk:
        for u in rows:
            u.update({"suspended": False, "notes": "", "user_fields": {}, "phone": None, "time_zone": "London", "locale": "en-US",
                      "updated_at": u.get("created_at", "2024-01-01T00:00:00Z")})
    json.dump({"users": rows, "next_page": None, "count": len(rows)}, f)

statuses = ["new", "open", "pending", "hold", "solved", "closed"]
words = "order refund shipping invoice password login delivery broken late account upgrade billing".split()
with open(os.path.join(out, "tickets.ndjson"), "w") as f:
    for t in range(1, tickets + 1):
        requester = 1000 + 1 + rng.randrange(users)
        day = 1 + t % 28
        comments = []
        for c in range(per):
            agent = c % 2 == 1
            body = " ".join(rng.choice(words) for _ in range(25 + rng.randrange(40)))
            comments.append({"id": t * 100 + c, "author_id": (1 + c % 2) if agent else requester, "public": c != 3,
                             "body": f"Message {c}: {body}",
                             "html_body": zendesk_html(c, body) if html_style == "zendesk" else f"<p>Message {c}: {body}</p>",
                             "created_at": f"2025-03-{day:02d}T{10 + c:02d}:{t % 60:02d}:{(t // 60) % 60:02d}Z"})
        ticket = {"id": t, "subject": f"{rng.choice(words).title()} problem #{t}", "description": comments[0]["body"],
                  "status": statuses[t % len(statuses)], "priority": ["low", "normal", "high", "urgent"][t % 4],
                  "requester_id": requester, "assignee_id": 1 + t % 2, "tags": [rng.choice(words)],
                  "created_at": f"2025-03-{day:02d}T09:{t % 60:02d}:{(t // 60) % 60:02d}Z", "updated_at": "2025-04-01T00:00:00Z",
                  "comments": comments}
        if zendesk:
            ticket.update({"organization_id": 5000 + 1 + (requester - 1000) % orgs, "submitter_id": requester})
        f.write(json.dumps(ticket, separators=(",", ":")) + "\n")
