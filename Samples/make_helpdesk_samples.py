#!/usr/bin/env python3
"""Generate the Freshdesk, Help Scout, Intercom, Front, HubSpot, Zoho Desk, Crisp and LiveAgent samples of one made-up support history, plus what a
correct migration must deliver.

    python3 Samples/make_helpdesk_samples.py          # writes Samples/freshdesk, helpscout, intercom, front, hubspot, zohodesk, crisp, liveagent
    python3 Samples/make_helpdesk_samples.py --check  # regenerates in memory and fails if the files differ

Account: "Harbor Lane Coffee Roasters", a small coffee roaster with wholesale customers. Every person, company,
order, invoice and tracking number is fictional. The same history (10 customers, 3 companies, 10 tickets) is
written in each vendor's own API shapes, one response body per file, compact JSON, as a dump script saves it;
each vendor adds its own edge cases (see each folder's README.md).

expected.json is derived from the SCENARIO below and each vendor's documented value tables (in this file), not
from the mapping sets: it says what cStar must hold after `cstar-io migrate Samples/<vendor> --from <vendor>`.
Deterministic: no randomness, no clock. The facts behind the shapes: docs/helpdesk-export-facts.md.
"""
import calendar
import copy
import html
import json
import os
import re
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))


def dumps(obj):
    """APIs answer with compact JSON; dump scripts save the body as it came."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def epoch(s):
    return calendar.timegm(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timetuple())


def text_of(h):
    """Plain text of the scenario's small HTML snippets (what a body_text / text field holds)."""
    t = re.sub(r"<br\s*/?>", "\n", h)
    t = re.sub(r"</p>\s*<p>", "\n\n", t)
    t = re.sub(r"<[^>]+>", "", t)
    return html.unescape(t).strip()


def slug(s):
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]", "_", s.lower())).strip("_")


# ---------------------------------------------------------------------------------------------------------------
# The scenario, vendor-neutral. Statuses: open | pending | resolved | closed; priority: low | normal | high |
# urgent | None (not set). Authors: P* (contacts) and A* (agents).

AGENTS = {
    # The first two have the emails of members seeded in the sandbox (assignedTo resolves); Priya is no cStar member.
    "A1": {"first": "Alex", "last": "Moreno", "email": "alex.agent@sandbox.cstar.test"},
    "A2": {"first": "Sam", "last": "Okafor", "email": "sam.support@sandbox.cstar.test"},
    "A3": {"first": "Priya", "last": "Raman", "email": "priya@harborlane.coffee"},
}
for a in AGENTS.values():
    a["name"] = f"{a['first']} {a['last']}"

COMPANIES = {
    "C1": {"name": "Bluefin Cafés", "domain": "bluefincafes.com", "note": "Three waterfront cafés; weekly wholesale order.",
           "created": "2024-10-01T09:00:00Z", "tier": "Gold"},
    "C2": {"name": "Northgate Offices", "domain": "northgate-offices.com", "note": "Office coffee service on four floors.",
           "created": "2024-10-15T09:00:00Z", "tier": "Silver"},
    "C3": {"name": "Pier 9 Bakery", "domain": "pier9bakery.com", "note": "Bakery-café buying the espresso blend.",
           "created": "2025-01-20T09:00:00Z", "tier": "Bronze"},
}

# companies: the first is the contact's primary company; a second one is a second membership where the vendor
# can say so (Intercom and Front list a company's contacts; Freshdesk and Help Scout keep one company per contact).
CONTACTS = {
    "P1": {"first": "Maya", "last": "Lindqvist", "email": "maya@bluefincafes.com", "phone": "+1 206 555 0101",
           "job": "Café manager", "companies": ["C1"], "created": "2024-11-04T10:12:00Z", "tier": "Gold"},
    "P2": {"first": "Tomás", "last": "Ortega", "email": "tomas.ortega@bluefincafes.com", "phone": "+1 206 555 0102",
           "job": "Head barista", "companies": ["C1", "C3"], "created": "2024-11-05T08:30:00Z", "tier": "Gold"},
    "P3": {"first": "Grace", "last": "Whitaker", "email": "grace@northgate-offices.com", "phone": None,
           "job": "Facilities lead", "companies": ["C2"], "created": "2024-11-20T14:00:00Z", "tier": "Silver"},
    "P4": {"first": "Daniel", "last": "Osei", "email": "daniel.osei@northgate-offices.com", "phone": None,
           "job": "Office manager", "companies": ["C2"], "created": "2025-01-08T11:45:00Z", "tier": None},
    "P5": {"first": "Hannah", "last": "Fischer", "email": "hannah@pier9bakery.com", "phone": "+1 206 555 0105",
           "job": "Owner", "companies": ["C3"], "created": "2025-03-20T16:20:00Z", "tier": "Bronze"},
    "P6": {"first": "Leo", "last": "Marchetti", "email": "leo.marchetti@gmail.com", "phone": None, "job": None,
           "companies": [], "created": "2025-02-14T19:03:00Z", "tier": None},
    # Mixed case in the source; cStar gets it lowercased.
    "P7": {"first": "Aisha", "last": "Rahman", "email": "Aisha.Rahman@Outlook.com", "phone": None, "job": None,
           "companies": [], "created": "2025-04-15T21:38:00Z", "tier": None},
    # Phone only: cStar requires an email, so this contact is rejected (and his ticket keeps his name).
    "P8": {"first": "Ken", "last": "Watanabe", "email": None, "phone": "+1 206 555 0143", "job": None,
           "companies": [], "created": "2025-03-02T10:00:00Z", "tier": None},
    "P9": {"first": "Sofia", "last": "Costa", "email": "sofia.costa@proton.me", "phone": None, "job": None,
           "companies": [], "created": "2025-05-05T14:25:00Z", "tier": "Silver"},
}
for c in CONTACTS.values():
    c["name"] = f"{c['first']} {c['last']}"

ROASTS = ["Light roast", "Medium roast", "Dark roast"]


def att(name, ctype, size):
    return {"name": name, "type": ctype, "size": size}


def m(at, author, body, private=False, attachments=()):
    return {"at": at, "author": author, "html": body, "private": private, "attachments": list(attachments)}


TICKETS = [
    {"n": 1, "subject": "Grinder burrs wearing out after 3 months", "requester": "P1", "assignee": "A1",
     "status": "resolved", "priority": "high", "tags": ["equipment", "grinder"],
     "order": "HL-10234", "roast": "Medium roast", "wholesale": True, "bags": 40, "updated": "2025-02-04T15:31:00Z",
     "messages": [
         m("2025-02-03T09:14:00Z", "P1", "<p>Our Mazzer grinder at the Pier Street café is producing uneven grounds again. The burrs were replaced in November.</p>"),
         m("2025-02-03T10:02:00Z", "A1", "<p>Hi Maya, sorry to hear that. Could you send a photo of the burr carrier?</p>"),
         m("2025-02-03T11:40:00Z", "P1", "<p>Photo attached.</p>", attachments=[att("burr-carrier.jpg", "image/jpeg", 284113)]),
         m("2025-02-03T12:05:00Z", "A1", "<p>Looks like the carrier screw is stripped, not the burrs. Ordering part MZ-449.</p>", private=True),
         m("2025-02-04T15:30:00Z", "A1", "<p>A replacement carrier screw is on its way (tracking 1Z999AA10123456784). That should fix it.</p>"),
     ]},
    {"n": 2, "subject": "Change weekly wholesale order to 30 kg", "requester": "P2", "assignee": "A2",
     "status": "closed", "priority": "normal", "tags": ["wholesale", "order-change"],
     "order": "HL-10251", "roast": "Dark roast", "wholesale": True, "bags": 30, "updated": "2025-02-17T08:00:00Z",
     "messages": [
         m("2025-02-10T07:45:00Z", "P2", "<p>Please reduce our weekly order from 40 kg to 30 kg starting next Monday.</p>"),
         m("2025-02-10T08:20:00Z", "A2", "<p>Done — your standing order is now 30 kg from 17 February.</p>"),
         m("2025-02-10T08:21:00Z", "A2", "<p>Updated in the ERP; invoice template changed too.</p>", private=True),
     ]},
    {"n": 3, "subject": "Invoice INV-2291 charged twice", "requester": "P3", "assignee": "A1",
     "status": "pending", "priority": "urgent", "tags": ["billing"],
     "order": "HL-10260", "roast": None, "wholesale": False, "bags": None, "updated": "2025-03-01T13:41:00Z",
     "messages": [
         m("2025-03-01T13:05:00Z", "P3", "<p>Our card was charged twice for invoice INV-2291 (&euro;412.50 each). Can you refund one?</p>"),
         m("2025-03-01T13:30:00Z", "A1", "<p>Confirmed duplicate capture in Stripe. Waiting on finance to approve the refund.</p>", private=True),
         m("2025-03-01T13:41:00Z", "A1", "<p>Hi Grace, we see the duplicate charge and have started a refund. We will confirm once it is processed.</p>"),
     ]},
    {"n": 4, "subject": "Espresso tasting for the new office floor", "requester": "P4", "assignee": "A2",
     "status": "pending", "priority": "low", "tags": ["events"],
     "order": None, "roast": "Light roast", "wholesale": None, "bags": None, "updated": "2025-03-12T10:15:00Z",
     "messages": [
         m("2025-03-12T09:00:00Z", "P4", "<p>We are opening the 4th floor kitchen. Could you run a tasting session in April?</p>"),
         m("2025-03-12T10:15:00Z", "A2", "<p>We would love to! Do any Tuesday or Thursday mornings in April work?</p>"),
     ]},
    {"n": 5, "subject": "Wholesale account application", "requester": "P5", "assignee": "A3",
     "status": "open", "priority": "normal", "tags": ["wholesale", "new-account"],
     "order": None, "roast": None, "wholesale": False, "bags": 12, "updated": "2025-03-20T16:50:00Z",
     "messages": [
         m("2025-03-20T16:22:00Z", "P5", "<p>We would like to open a wholesale account for Pier 9 Bakery. The application form is attached.</p>",
           attachments=[att("wholesale-application.pdf", "application/pdf", 91822)]),
         m("2025-03-20T16:50:00Z", "A3", "<p>Needs a credit check before approval.</p>", private=True),
     ]},
    {"n": 6, "subject": "Bag of Ethiopia Guji arrived torn", "requester": "P6", "assignee": "A1",
     "status": "closed", "priority": "high", "tags": ["shipping", "damaged"],
     "order": "HL-10302", "roast": "Light roast", "wholesale": False, "bags": None, "updated": "2025-04-06T09:00:00Z",
     "messages": [
         m("2025-04-02T18:10:00Z", "P6", "<p>My 1 kg bag of Ethiopia Guji arrived with a tear along the seam.<br>Beans everywhere!</p>"),
         m("2025-04-03T08:05:00Z", "A1", "<p>So sorry, Leo. A replacement bag ships today at no charge.</p>"),
         m("2025-04-03T09:12:00Z", "P6", "<p>Thanks, that was fast.</p>"),
     ]},
    # No priority set: cStar's default (normal) applies and the summary counts it.
    {"n": 7, "subject": "Do you ship to Canada?", "requester": "P7", "assignee": None,
     "status": "open", "priority": None, "tags": [],
     "order": None, "roast": None, "wholesale": None, "bags": None, "updated": "2025-04-15T21:41:00Z",
     "messages": [
         m("2025-04-15T21:40:00Z", "P7", "<p>Do you ship retail bags to Vancouver, BC? What would shipping cost?</p>"),
     ]},
    {"n": 8, "subject": "Subscription paused but still billed", "requester": "P8", "assignee": "A2",
     "status": "pending", "priority": "normal", "tags": ["billing", "subscription"],
     "order": None, "roast": None, "wholesale": None, "bags": None, "updated": "2025-04-22T12:10:00Z",
     "messages": [
         m("2025-04-22T12:00:00Z", "P8", "<p>I paused my subscription in March but was billed on 1 April.</p>"),
         m("2025-04-22T12:10:00Z", "A2", "<p>The pause flag did not sync to billing. Raised with the dev team.</p>", private=True),
     ]},
    {"n": 9, "subject": "Decaf options for the evening menu", "requester": "P9", "assignee": "A1",
     "status": "resolved", "priority": "low", "tags": ["product-question"],
     "order": None, "roast": "Medium roast", "wholesale": False, "bags": None, "updated": "2025-05-06T09:20:00Z",
     "messages": [
         m("2025-05-05T14:30:00Z", "P9", "<p>Do you have a Swiss Water decaf that works as espresso?</p>"),
         m("2025-05-05T15:02:00Z", "A1", "<p>Yes — our Colombia Huila decaf is Swiss Water processed and pulls nicely as espresso.</p>"),
         m("2025-05-06T09:18:00Z", "P9", "<p>Perfect, ordering two bags.</p>"),
     ]},
    {"n": 10, "subject": "Training for new baristas", "requester": "P2", "assignee": "A2",
     "status": "open", "priority": "normal", "tags": ["training"],
     "order": None, "roast": None, "wholesale": True, "bags": None, "updated": "2025-05-19T09:31:00Z",
     "messages": [
         m("2025-05-19T08:00:00Z", "P2", "<p>Two new baristas start at Pier 9 next week. Can they join your latte-art workshop?</p>"),
         m("2025-05-19T09:30:00Z", "A2", "<p>Of course — the next workshop is Saturday 31 May at 10:00. I have reserved two places.</p>"),
         m("2025-05-19T09:31:00Z", "A2", "<p>Added both to the workshop roster.</p>", private=True),
     ]},
]


def snippet(h):
    """A fragment of a message's text that cStar's message content must contain."""
    t = text_of(h).split("\n")[0]
    return t[:48].rstrip()


def expected_customers(contacts, key_of, reject_reason="no email", created=True):
    out = {}
    for pid, c in contacts.items():
        k = key_of(pid)
        if not c.get("email"):
            out[k] = {"rejected": reject_reason, "name": c["name"]}
        else:
            out[k] = {"email": c["email"].lower(), "name": c["name"]}
            if created:
                out[k]["createdAt"] = c["created"]
    return out


def attachment_notes(tickets, note="attachments kept as links in their message (cStar takes no files)"):
    """How many attachments the summary must count as kept as links (each names its URL in a message)."""
    n = sum(1 for t in tickets.values() if "messages" in t for msg in t["messages"] for x in msg["contains"] if x.startswith("http"))
    return {note: n} if n else {}


def write(folder, files, check):
    root = os.path.join(HERE, folder)
    bad = []
    for rel, content in files.items():
        path = os.path.join(root, rel)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != content:
                        bad.append(path)
            except FileNotFoundError:
                bad.append(path)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
    return bad


def expected_json(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Freshdesk (API v2): bare arrays for lists, bare objects for single records, ISO 8601 UTC timestamps.

FD = "https://harborlane.freshdesk.com"
FD_STATUS = {"open": 2, "pending": 3, "resolved": 4, "closed": 5}
FD_STATUS_TO_CSTAR = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
FD_PRIORITY = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
FD_PRIORITY_TO_CSTAR = {1: "low", 2: "normal", 3: "high", 4: "urgent"}


def freshdesk():
    cid = {k: 43000000001 + i for i, k in enumerate(COMPANIES)}
    pid = {k: 43000000101 + i for i, k in enumerate(CONTACTS)}
    aid = {k: 43000000901 + i for i, k in enumerate(AGENTS)}
    files = {}

    companies = []
    for k, c in COMPANIES.items():
        companies.append({"id": cid[k], "name": c["name"], "description": c["note"], "note": None,
                          "domains": [c["domain"]], "created_at": c["created"], "updated_at": c["created"],
                          "custom_fields": {"account_tier": c["tier"]}, "health_score": None, "account_tier": None,
                          "renewal_date": None, "industry": "Food & Beverage"})
    files["companies.json"] = dumps(companies)

    contacts = []
    for k, c in CONTACTS.items():
        # List All Contacts answers other_companies as a list of company ids (View a Contact as {company_id, …} objects).
        contacts.append({"active": bool(c["email"]), "address": None, "company_id": cid[c["companies"][0]] if c["companies"] else None,
                         "view_all_tickets": False, "deleted": False, "contact_type": "contact", "social_handler": [],
                         "other_companies": [cid[x] for x in c["companies"][1:]],
                         "description": None, "email": c["email"], "id": pid[k], "job_title": c["job"], "language": "en",
                         "mobile": None, "name": c["name"], "phone": c["phone"], "time_zone": "Pacific Time (US & Canada)",
                         "twitter_id": None, "custom_fields": {"loyalty_tier": c["tier"]}, "facebook_id": None,
                         "created_at": c["created"], "updated_at": c["created"], "csat_rating": None,
                         "preferred_source": None, "unique_external_id": None, "other_emails": [], "tags": ["newsletter"] if k in ("P1", "P9") else []})
    files["contacts-001.json"] = dumps(contacts)

    agents = []
    for k, a in AGENTS.items():
        agents.append({"available": True, "occasional": False, "id": aid[k], "ticket_scope": 1, "signature": None,
                       "created_at": "2024-09-01T09:00:00Z", "updated_at": "2025-01-02T09:00:00Z", "type": "support_agent",
                       "contact": {"active": True, "email": a["email"], "job_title": "Support", "language": "en",
                                   "last_login_at": "2025-05-19T08:55:00Z", "mobile": None, "name": a["name"], "phone": None,
                                   "time_zone": "Pacific Time (US & Canada)", "created_at": "2024-09-01T09:00:00Z",
                                   "updated_at": "2025-01-02T09:00:00Z"}})
    files["agents.json"] = dumps(agents)

    def field(fid, name, label, ftype, position, default=False, choices=None, **extra):
        f = {"id": fid, "description": label, "label": label, "name": name, "position": position, "type": ftype,
             "label_for_customers": label, "default": default, "required_for_closure": False, "required_for_agents": False,
             "required_for_customers": False, "customers_can_edit": not default, "displayed_to_customers": True,
             "created_at": "2024-09-01T09:00:00Z", "updated_at": "2024-09-01T09:00:00Z"}
        if choices is not None:
            f["choices"] = choices
        f.update(extra)
        return f

    files["ticket_fields.json"] = dumps([
        field(1, "requester", "Search a requester", "default_requester", 1, True, portal_cc=False, portal_cc_to="company"),
        field(2, "subject", "Subject", "default_subject", 2, True),
        field(3, "ticket_type", "Type", "default_ticket_type", 3, True, ["Question", "Incident", "Problem", "Feature Request"]),
        field(4, "source", "Source", "default_source", 4, True, {"Email": 1, "Portal": 2, "Phone": 3, "Chat": 7, "Feedback Widget": 9, "Outbound Email": 10}),
        field(5, "status", "Status", "default_status", 5, True, {"2": ["Open", "Being Processed"], "3": ["Pending", "Awaiting your Reply"],
                                                                  "4": ["Resolved", "This ticket has been Resolved"], "5": ["Closed", "This ticket has been Closed"]}),
        field(6, "priority", "Priority", "default_priority", 6, True, {"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}),
        field(7, "group", "Group", "default_group", 7, True, {"Wholesale": 43000000501, "Retail": 43000000502}),
        field(8, "agent", "Agent", "default_agent", 8, True, {a["name"]: aid[k] for k, a in AGENTS.items()}),
        field(9, "description", "Description", "default_description", 9, True),
        field(43000000701, "cf_order_number", "Order number", "custom_text", 10),
        field(43000000702, "cf_roast_preference", "Roast preference", "custom_dropdown", 11, choices=ROASTS),
        field(43000000703, "cf_wholesale_account", "Wholesale account", "custom_checkbox", 12),
    ])
    files["contact_fields.json"] = dumps([
        {"id": 43000000801, "editable_in_signup": True, "label": "Full name", "name": "name", "position": 1, "required_for_agents": True,
         "type": "default_name", "default": True, "customers_can_edit": True, "label_for_customers": "Full name",
         "required_for_customers": True, "displayed_for_customers": True, "created_at": "2024-09-01T09:00:00Z", "updated_at": "2024-09-01T09:00:00Z"},
        {"id": 43000000802, "editable_in_signup": False, "label": "Email", "name": "email", "position": 2, "required_for_agents": False,
         "type": "default_email", "default": True, "customers_can_edit": True, "label_for_customers": "Email",
         "required_for_customers": False, "displayed_for_customers": True, "created_at": "2024-09-01T09:00:00Z", "updated_at": "2024-09-01T09:00:00Z"},
        {"id": 43000000803, "editable_in_signup": False, "label": "Loyalty tier", "name": "loyalty_tier", "position": 3, "required_for_agents": False,
         "type": "custom_dropdown", "default": False, "customers_can_edit": False, "label_for_customers": "Loyalty tier",
         "required_for_customers": False, "displayed_for_customers": False, "created_at": "2024-09-01T09:00:00Z",
         "updated_at": "2024-09-01T09:00:00Z",
         "choices": [{"id": i + 1, "label": x, "value": x, "position": i + 1} for i, x in enumerate(["Bronze", "Silver", "Gold"])]},
    ])

    expected_tickets = {}
    conv_id = 43000200001
    att_id = 43000300001
    for t in TICKETS:
        tid = 1000 + t["n"]
        first, rest = t["messages"][0], t["messages"][1:]

        def attachments(msg):
            nonlocal att_id
            out = []
            for a in msg["attachments"]:
                out.append({"id": att_id, "content_type": a["type"], "size": a["size"], "name": a["name"],
                            "attachment_url": f"https://harborlane.attachments.freshdesk.com/data/helpdesk/attachments/production/{att_id}/original/{a['name']}",
                            "created_at": msg["at"], "updated_at": msg["at"]})
                att_id += 1
            return out

        first_atts = attachments(first)
        convs = []
        for msg in rest:
            agent = msg["author"].startswith("A")
            note = msg["private"]
            convs.append({"body": f"<div>{msg['html']}</div>", "body_text": text_of(msg["html"]), "id": conv_id,
                          "incoming": not agent, "private": note,
                          "user_id": aid[msg["author"]] if agent else pid[msg["author"]],
                          "support_email": None if note else "support@harborlane.coffee",
                          "source": 2 if note else 0, "category": 2 if note else 3, "ticket_id": tid,
                          "to_emails": [] if note else ([CONTACTS[t["requester"]]["email"]] if agent and CONTACTS[t["requester"]]["email"] else ["support@harborlane.coffee"]),
                          "from_email": None if note else (f"\"Harbor Lane Support\" <support@harborlane.coffee>" if agent else CONTACTS[msg["author"]]["email"]),
                          "cc_emails": [], "bcc_emails": None, "email_failure_count": None, "outgoing_failures": None,
                          "created_at": msg["at"], "updated_at": msg["at"], "attachments": attachments(msg),
                          "last_edited_at": None, "last_edited_user_id": None, "auto_response": False})
            conv_id += 1
        requester = CONTACTS[t["requester"]]
        cf = {"cf_order_number": t["order"], "cf_roast_preference": t["roast"], "cf_wholesale_account": t["wholesale"]}
        ticket = {"cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "ticket_cc_emails": [], "fr_escalated": False,
                  "spam": False, "email_config_id": 43000000011, "group_id": 43000000501 if t["wholesale"] else 43000000502,
                  "priority": FD_PRIORITY.get(t["priority"]), "requester_id": pid[t["requester"]],
                  "responder_id": aid[t["assignee"]] if t["assignee"] else None,
                  "source": 3 if t["requester"] == "P8" else 1, "company_id": cid[requester["companies"][0]] if requester["companies"] else None,
                  "status": FD_STATUS[t["status"]], "subject": t["subject"], "association_type": None, "support_email": "support@harborlane.coffee",
                  "to_emails": ["support@harborlane.coffee"], "product_id": None, "id": tid, "type": "Question" if t["n"] in (7, 9) else "Incident",
                  "due_by": t["updated"], "fr_due_by": t["updated"], "is_escalated": False,
                  "description": f"<div>{first['html']}</div>", "description_text": text_of(first["html"]),
                  "custom_fields": cf, "created_at": first["at"], "updated_at": t["updated"], "associated_tickets_count": None,
                  "tags": t["tags"], "attachments": first_atts, "form_id": 43000000021, "nr_due_by": None, "nr_escalated": False,
                  "conversations": convs}
        files[f"tickets/{tid}.json"] = dumps(ticket)

        status = FD_STATUS_TO_CSTAR[ticket["status"]]
        prio = FD_PRIORITY_TO_CSTAR.get(ticket["priority"])
        messages = []
        for msg, a in [(first, first_atts)] + [(r, c["attachments"]) for r, c in zip(rest, convs)]:
            contains = [snippet(msg["html"])] + [x["name"] for x in a] + [x["attachment_url"] for x in a]
            messages.append({"createdAt": msg["at"], "internal": msg["private"],
                             "sender": "agent" if msg["author"].startswith("A") else "customer", "contains": contains})
        fields = {}
        for label, key in [("Order number", "cf_order_number"), ("Roast preference", "cf_roast_preference"), ("Wholesale account", "cf_wholesale_account")]:
            if cf[key] is not None:
                fields[slug(label)] = cf[key]
        expected_tickets[str(tid)] = {
            "title": t["subject"], "status": status, "priority": prio, "tags": sorted(set([x.lower() for x in t["tags"]] + [f"type:{ticket['type'].lower()}"])),
            "customerEmail": requester["email"].lower() if requester["email"] else None, "customerName": requester["name"],
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": first["at"], "customFields": fields, "messages": messages}

    memberships = []
    for k, c in CONTACTS.items():
        if c["companies"] and c["email"]:
            memberships.append([str(pid[k]), str(cid[c["companies"][0]])])
    expected = {
        "customers": expected_customers(CONTACTS, lambda k: str(pid[k])),
        "customerFields": {str(pid[k]): ({"loyalty_tier": c["tier"]} if c["tier"] else {}) for k, c in CONTACTS.items() if c["email"]},
        "groups": {str(cid[k]): {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": {"tickets without a priority in Freshdesk (cStar's default, normal, applies)": 1, **attachment_notes(expected_tickets)},
    }
    files["expected.json"] = expected_json(expected)
    return files


# ---------------------------------------------------------------------------------------------------------------
# Help Scout (Mailbox API 2.0): HAL pages {"_embedded": {...}, "page": {...}, "_links": {...}}, ISO 8601 UTC.

HS = "https://api.helpscout.net/v2"
HS_STATUS = {"open": "active", "pending": "pending", "resolved": "closed", "closed": "closed"}
HS_STATUS_TO_CSTAR = {"active": "open", "open": "open", "pending": "pending", "closed": "closed", "spam": "closed"}
HS_PRIORITY = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}


def helpscout():
    oid = {k: 7001 + i for i, k in enumerate(COMPANIES)}
    pid = {k: 500001 + i for i, k in enumerate(CONTACTS)}
    uid = {k: 301 + i for i, k in enumerate(AGENTS)}
    mailbox = 41234
    files = {}

    def page(key, items, path):
        return {"_embedded": {key: items}, "page": {"size": 50, "totalElements": len(items), "totalPages": 1, "number": 1},
                "_links": {"self": {"href": f"{HS}/{path}?page=1"}, "first": {"href": f"{HS}/{path}?page=1"},
                           "last": {"href": f"{HS}/{path}?page=1"}, "page": {"href": f"{HS}/{path}{{?page}}", "templated": True}}}

    orgs = [{"id": oid[k], "name": c["name"], "website": f"https://{c['domain']}", "domains": [c["domain"]],
             "description": c["note"], "note": None, "createdAt": c["created"], "updatedAt": c["created"],
             "_links": {"self": {"href": f"{HS}/organizations/{oid[k]}"}}} for k, c in COMPANIES.items()]
    files["organizations-001.json"] = dumps(page("organizations", orgs, "organizations"))

    customers = []
    for k, c in CONTACTS.items():
        emails = [{"id": 9000 + pid[k] % 1000, "value": c["email"], "type": "work"}] if c["email"] else []
        phones = [{"id": 9500 + pid[k] % 1000, "value": c["phone"], "type": "work"}] if c["phone"] else []
        customers.append({"id": pid[k], "firstName": c["first"], "lastName": c["last"], "gender": "unknown", "jobTitle": c["job"],
                          "location": "Seattle, WA" if c["companies"] else None, "organization": COMPANIES[c["companies"][0]]["name"] if c["companies"] else None,
                          "organizationId": oid[c["companies"][0]] if c["companies"] else None,
                          "photoType": "unknown", "photoUrl": "https://d33v4339jhl8k0.cloudfront.net/customer-avatar/01.png",
                          "createdAt": c["created"], "updatedAt": c["created"], "background": "Prefers email." if k == "P1" else None,
                          "age": None, "draft": False,
                          "_embedded": {"emails": emails, "phones": phones, "chats": [], "social_profiles": [], "websites": [], "address": None},
                          "_links": {"self": {"href": f"{HS}/customers/{pid[k]}"}}})
    files["customers-001.json"] = dumps(page("customers", customers, "customers"))

    roast_ids = {r: 11 + i for i, r in enumerate(ROASTS)}
    prio_ids = {p: 21 + i for i, p in enumerate(HS_PRIORITY.values())}
    fields = [
        {"id": 6601, "name": "Order number", "type": "SINGLE_LINE", "order": 1, "required": False, "options": []},
        {"id": 6602, "name": "Roast preference", "type": "DROPDOWN", "order": 2, "required": False,
         "options": [{"id": roast_ids[r], "order": i + 1, "label": r} for i, r in enumerate(ROASTS)]},
        {"id": 6603, "name": "Bags per month", "type": "NUMBER", "order": 3, "required": False, "options": []},
        {"id": 6604, "name": "Priority", "type": "DROPDOWN", "order": 4, "required": False,
         "options": [{"id": prio_ids[p], "order": i + 1, "label": p} for i, p in enumerate(HS_PRIORITY.values())]},
    ]
    files[f"mailboxes/{mailbox}/fields.json"] = dumps(page("fields", fields, f"mailboxes/{mailbox}/fields"))

    def person(k, kind):
        if kind == "user":
            a = AGENTS[k]
            return {"id": uid[k], "type": "user", "first": a["first"], "last": a["last"], "email": a["email"]}
        c = CONTACTS[k]
        return {"id": pid[k], "type": "customer", "first": c["first"], "last": c["last"], "email": c["email"]}

    conversations = []
    expected_tickets = {}
    thread_id = 880001
    att_id = 1200001
    scenario = [dict(t) for t in TICKETS]
    # Help Scout adds a spam conversation from a sender who is in no customer page (status spam → cStar closed).
    scenario.append({"n": 11, "subject": "Boost your café's SEO today!!!", "requester": None, "assignee": None, "status": "spam",
                     "priority": None, "tags": [], "order": None, "roast": None, "bags": None, "updated": "2025-05-20T03:12:00Z",
                     "messages": [m("2025-05-20T03:11:00Z", "X", "<p>Get 10x more customers with our guaranteed SEO package.</p>")]})
    spammer = {"id": 500099, "type": "customer", "first": "Growth", "last": "Hackers", "email": "offers@seo-growth.example"}
    for t in scenario:
        cid_ = 2900000 + t["n"]
        threads = []
        expected_messages = []
        for i, msg in enumerate(t["messages"]):
            author = msg["author"]
            agent = author.startswith("A")
            by = spammer if author == "X" else person(author, "user" if agent else "customer")
            atts = []
            for a in msg["attachments"]:
                atts.append({"id": att_id, "filename": a["name"], "mimeType": a["type"], "width": None, "height": None, "size": a["size"],
                             "state": "valid",
                             "_links": {"data": {"href": f"{HS}/conversations/{cid_}/attachments/{att_id}/data"},
                                        "web": {"href": f"https://secure.helpscout.net/file/{att_id}/5f1b2c3d4e/{a['name']}"}}})
                att_id += 1
            kind = "note" if msg["private"] else ("message" if agent else "customer")
            threads.append({"id": thread_id, "type": kind, "status": "nochange" if i else ("spam" if t["status"] == "spam" else "active"),
                            "state": "published", "action": None, "body": msg["html"], "source": {"type": "email" if kind != "note" else "web", "via": "user" if agent else "customer"},
                            "customer": spammer if author == "X" else person(t["requester"], "customer"),
                            "createdBy": by, "assignedTo": person(t["assignee"], "user") if t["assignee"] else None,
                            "savedReplyId": None, "to": [], "cc": [], "bcc": [], "createdAt": msg["at"],
                            "openedAt": None, "_embedded": {"attachments": atts},
                            "_links": {"createdByUser" if agent else "createdByCustomer": {"href": f"{HS}/{'users' if agent else 'customers'}/{by['id']}"}}})
            thread_id += 1
            expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                      "contains": [snippet(msg["html"])] + [a["filename"] for a in atts] + [a["_links"]["web"]["href"] for a in atts]})
        if t["n"] == 2:
            # A line item: "Sam closed the conversation" — an event, kept as an internal system note.
            at = "2025-02-10T08:22:00Z"
            threads.append({"id": thread_id, "type": "lineitem", "status": "closed", "state": "published",
                            "action": {"type": "default", "text": "Sam Okafor marked as Closed", "associatedEntities": {}},
                            "source": {"type": "web", "via": "user"}, "customer": person("P2", "customer"),
                            "createdBy": person("A2", "user"), "assignedTo": None, "savedReplyId": None, "to": [], "cc": [], "bcc": [],
                            "createdAt": at, "_embedded": {"attachments": []}, "_links": {}})
            thread_id += 1
            expected_messages.append({"createdAt": at, "internal": True, "sender": "agent", "contains": ["Sam Okafor marked as Closed"]})
        threads.reverse()  # Help Scout returns threads newest first
        requester = spammer if t["requester"] is None else person(t["requester"], "customer")
        status = HS_STATUS.get(t["status"], t["status"])
        custom = []
        if t.get("order"):
            custom.append({"id": 6601, "name": "Order number", "value": t["order"], "text": t["order"]})
        if t.get("roast"):
            custom.append({"id": 6602, "name": "Roast preference", "value": str(roast_ids[t["roast"]]), "text": t["roast"]})
        if t.get("bags") is not None:
            custom.append({"id": 6603, "name": "Bags per month", "value": str(t["bags"]), "text": str(t["bags"])})
        if t.get("priority"):
            p = HS_PRIORITY[t["priority"]]
            custom.append({"id": 6604, "name": "Priority", "value": str(prio_ids[p]), "text": p})
        closed = status == "closed"
        conv = {"id": cid_, "number": 100 + t["n"], "threads": len(threads), "type": "email", "folderId": 1560001,
                "status": status, "state": "published", "subject": t["subject"], "preview": text_of(t["messages"][-1]["html"])[:185],
                "mailboxId": mailbox, "assignee": person(t["assignee"], "user") if t["assignee"] else None,
                "createdBy": requester, "createdAt": t["messages"][0]["at"],
                "closedBy": uid[t["assignee"]] if closed and t["assignee"] else 0,
                "closedByUser": person(t["assignee"], "user") if closed and t["assignee"] else None,
                "closedAt": t["updated"] if closed else None, "userUpdatedAt": t["updated"],
                "customerWaitingSince": {"time": t["messages"][0]["at"], "friendly": "Feb 3", "latestReplyFrom": "customer"},
                "source": {"type": "email", "via": "customer"},
                "tags": [{"id": 9100 + sum(map(ord, x)) % 900, "color": "#929499", "tag": x} for x in t["tags"]],
                "cc": [], "bcc": [], "primaryCustomer": requester, "customFields": custom,
                "_embedded": {"threads": threads},
                "_links": {"self": {"href": f"{HS}/conversations/{cid_}"}, "mailbox": {"href": f"{HS}/mailboxes/{mailbox}"},
                           "primaryCustomer": {"href": f"{HS}/customers/{requester['id']}"}, "threads": {"href": f"{HS}/conversations/{cid_}/threads"},
                           "web": {"href": f"https://secure.helpscout.net/conversation/{cid_}/{100 + t['n']}"}}}
        conversations.append(conv)
        fields_ = {slug(c["name"]): c["text"] for c in custom}
        msgs = sorted(expected_messages, key=lambda x: x["createdAt"])
        expected_tickets[str(cid_)] = {
            "title": t["subject"], "status": HS_STATUS_TO_CSTAR[status],
            "priority": t["priority"], "tags": sorted(x.lower() for x in t["tags"]),
            "customerEmail": (requester["email"] or "").lower() if t["requester"] and CONTACTS[t["requester"]]["email"] else None,
            "customerName": f"{requester['first']} {requester['last']}",
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": t["messages"][0]["at"], "customFields": fields_, "messages": msgs}
    # Two pages of conversations, newest first as Help Scout sorts them; only the last has no "next" link.
    conversations.sort(key=lambda c: c["createdAt"], reverse=True)
    p1, p2 = conversations[:6], conversations[6:]
    first = page("conversations", p1, "conversations")
    first["page"].update({"size": 6, "totalElements": len(conversations), "totalPages": 2})
    first["_links"]["next"] = {"href": f"{HS}/conversations?page=2&embed=threads&status=all"}
    second = page("conversations", p2, "conversations")
    second["page"].update({"size": 6, "totalElements": len(conversations), "totalPages": 2, "number": 2})
    files["conversations-001.json"] = dumps(first)
    files["conversations-002.json"] = dumps(second)

    memberships = [[str(pid[k]), str(oid[c["companies"][0]])] for k, c in CONTACTS.items() if c["companies"] and c["email"]]
    expected = {
        "customers": expected_customers(CONTACTS, lambda k: str(pid[k])),
        "groups": {str(oid[k]): {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": {"conversations without a priority in Help Scout (no Priority custom field; cStar's default, normal, applies)": 2,
                  **attachment_notes(expected_tickets)},
    }
    files["expected.json"] = expected_json(expected)
    return files


# ---------------------------------------------------------------------------------------------------------------
# Intercom (REST API 2.x): lists {"type": "list", "data": [...], "pages": {...}}, single conversations as bare
# objects from GET /conversations/{id}; timestamps are epoch seconds.

IC_STATE = {"open": "open", "pending": "snoozed", "resolved": "closed", "closed": "closed"}
IC_STATE_TO_CSTAR = {"open": "open", "snoozed": "pending", "closed": "closed"}


def intercom():
    coid = {k: f"66a1f0c2e4b0a1b2c3d4e9{i + 1:02d}" for i, k in enumerate(COMPANIES)}
    pid = {k: f"66a1f0c2e4b0a1b2c3d4e5{i + 1:02d}" for i, k in enumerate(CONTACTS)}
    pid["P10"] = "66a1f0c2e4b0a1b2c3d4e510"
    aid = {k: str(7300001 + i) for i, k in enumerate(AGENTS)}
    tags = {"VIP": "81001", "Wholesale": "81002", "Newsletter": "81003"}
    files = {}

    def pages(n):
        return {"type": "pages", "page": 1, "per_page": 50, "total_pages": 1}

    companies = []
    for k, c in COMPANIES.items():
        companies.append({"type": "company", "company_id": f"HL-{k}", "id": coid[k], "app_id": "hl7x2q9m", "name": c["name"],
                          "remote_created_at": epoch(c["created"]), "created_at": epoch(c["created"]), "updated_at": epoch(c["created"]),
                          "last_request_at": epoch("2025-05-19T08:00:00Z"), "monthly_spend": {"C1": 2400, "C2": 900, "C3": 300}[k],
                          "session_count": 0, "user_count": sum(1 for p in CONTACTS.values() if k in p["companies"]),
                          "size": {"C1": 25, "C2": 120, "C3": 8}[k], "website": f"https://{c['domain']}", "industry": "Food & Beverage",
                          "plan": {"type": "plan", "id": "269315", "name": "Wholesale"}, "custom_attributes": {"account_tier": c["tier"]},
                          "tags": {"type": "tag.list", "tags": []}, "segments": {"type": "segment.list", "segments": []}})
    files["companies.json"] = dumps({"type": "list", "data": companies, "pages": pages(len(companies)), "total_count": len(companies)})

    def contact(k, c, role="user"):
        ctags = [{"type": "tag", "id": tags["VIP"], "url": f"/tags/{tags['VIP']}"}] if c.get("tier") == "Gold" else []
        if k in ("P1", "P9"):
            ctags.append({"type": "tag", "id": tags["Newsletter"], "url": f"/tags/{tags['Newsletter']}"})
        comps = [{"type": "company", "id": coid[x], "url": f"/companies/{coid[x]}"} for x in c["companies"]]
        return {"type": "contact", "id": pid[k], "workspace_id": "hl7x2q9m", "external_id": None if role == "lead" else f"cust-{k.lower()}",
                "role": role, "email": c["email"], "email_domain": (c["email"] or "@").split("@")[1].lower() or None,
                "phone": c["phone"], "name": c["name"], "avatar": None, "owner_id": None,
                "social_profiles": {"type": "list", "data": []}, "has_hard_bounced": False, "marked_email_as_spam": False,
                "unsubscribed_from_emails": False, "created_at": epoch(c["created"]), "updated_at": epoch(c["created"]),
                "signed_up_at": epoch(c["created"]) if role == "user" else None, "last_seen_at": epoch(c["created"]),
                "last_replied_at": None, "last_contacted_at": None, "last_email_opened_at": None, "last_email_clicked_at": None,
                "language_override": None, "browser": "chrome", "browser_version": "124.0", "browser_language": "en", "os": "macOS",
                "location": {"type": "location", "country": "United States", "region": "Washington", "city": "Seattle",
                             "country_code": "USA", "continent_code": "NA"},
                "android_app_name": None, "ios_app_name": None,
                "custom_attributes": {"loyalty_tier": c["tier"]} if c.get("tier") else {},
                "tags": {"type": "list", "data": ctags, "url": f"/contacts/{pid[k]}/tags", "total_count": len(ctags), "has_more": False},
                "notes": {"type": "list", "data": [], "url": f"/contacts/{pid[k]}/notes", "total_count": 0, "has_more": False},
                "companies": {"type": "list", "data": comps, "url": f"/contacts/{pid[k]}/companies", "total_count": len(comps), "has_more": False},
                "opted_out_subscription_types": {"type": "list", "data": [], "url": f"/contacts/{pid[k]}/subscriptions", "total_count": 0, "has_more": False},
                "opted_in_subscription_types": {"type": "list", "data": [], "url": f"/contacts/{pid[k]}/subscriptions", "total_count": 0, "has_more": False},
                "utm_campaign": None, "utm_content": None, "utm_medium": None, "utm_source": None, "utm_term": None,
                "referrer": None, "sms_consent": False, "unsubscribed_from_sms": False, "enabled_push_messaging": None}

    contacts = [contact(k, c, "lead" if k == "P8" else "user") for k, c in CONTACTS.items()]
    # Intercom-only edge case: Maya also exists as an older lead with the same email in other case → a duplicate.
    dup = dict(CONTACTS["P1"], first="Maya", last="L.", name="Maya L.", email="MAYA@BluefinCafes.com", companies=[], tier=None,
               created="2024-10-30T17:02:00Z")
    contacts.append(contact("P10", dup, "lead"))
    files["contacts-001.json"] = dumps({"type": "list", "data": contacts, "total_count": len(contacts), "pages": pages(len(contacts))})
    files["tags.json"] = dumps({"type": "list", "data": [{"type": "tag", "id": v, "name": n} for n, v in tags.items()]})
    files["admins.json"] = dumps({"type": "admin.list", "admins": [
        {"type": "admin", "email": a["email"], "id": aid[k], "name": a["name"], "away_mode_enabled": False,
         "away_mode_reassign": False, "has_inbox_seat": True, "team_ids": [], "job_title": "Support"} for k, a in AGENTS.items()]})
    # GET /companies/{id}/contacts: who belongs where, one page per company (Tomás is in two companies).
    for k in COMPANIES:
        members = [contact(p, c, "lead" if p == "P8" else "user") for p, c in CONTACTS.items() if k in c["companies"]]
        files[f"companies/{coid[k]}/contacts.json"] = dumps({"type": "list", "data": members, "total_count": len(members), "pages": pages(len(members))})

    expected_tickets = {}
    part_id = 1810000001
    for t in TICKETS:
        conv_id = str(215467000000 + t["n"])
        first, rest = t["messages"][0], t["messages"][1:]
        requester = CONTACTS[t["requester"]]

        def author(k):
            if k == "bot":
                return {"id": "7300099", "type": "bot", "name": "Operator", "email": "operator+hl7x2q9m@intercom.io"}
            if k.startswith("A"):
                return {"id": aid[k], "type": "admin", "name": AGENTS[k]["name"], "email": AGENTS[k]["email"]}
            c = CONTACTS[k]
            return {"id": pid[k], "type": "lead" if k == "P8" else "user", "name": c["name"], "email": c["email"] or ""}

        def attachments(msg):
            return [{"type": "upload", "name": a["name"], "url": f"https://downloads.intercomcdn.com/i/o/hl7x2q9m/{part_id}/{a['name']}",
                     "content_type": a["type"], "filesize": a["size"], "width": None, "height": None} for a in msg["attachments"]]

        source_atts = attachments(first)
        parts = []
        expected_messages = [{"createdAt": first["at"], "internal": False, "sender": "customer", "contains": [snippet(first["html"])]}]

        def part(kind, at, who, body=None, atts=(), assigned_to=None):
            nonlocal part_id
            p = {"type": "conversation_part", "id": str(part_id), "part_type": kind, "body": body, "created_at": epoch(at),
                 "updated_at": epoch(at), "notified_at": epoch(at), "assigned_to": assigned_to, "author": author(who),
                 "attachments": list(atts), "external_id": None, "redacted": False, "metadata": {}, "email_message_metadata": None}
            part_id += 1
            return p

        if t["assignee"]:
            # Assignment parts carry no body: an event, not a message (left out by the set's `where`).
            parts.append(part("assignment", first["at"].replace(":00Z", ":30Z"), t["assignee"],
                              assigned_to={"type": "admin", "id": aid[t["assignee"]]}))
        if t["n"] == 7:
            # A bot reply (Intercom's Operator) → a public message from "system".
            at = "2025-04-15T21:41:00Z"
            parts.append(part("comment", at, "bot", "<p>Thanks for reaching out! A teammate will reply soon.</p>"))
            expected_messages.append({"createdAt": at, "internal": False, "sender": "system", "contains": ["A teammate will reply soon."]})
        for msg in rest:
            atts = attachments(msg)
            parts.append(part("note" if msg["private"] else "comment", msg["at"], msg["author"], msg["html"], atts))
            expected_messages.append({"createdAt": msg["at"], "internal": msg["private"],
                                      "sender": "agent" if msg["author"].startswith("A") else "customer",
                                      "contains": [snippet(msg["html"])] + [a["name"] for a in atts] + [a["url"] for a in atts]})
        state = IC_STATE[t["status"]]
        if state == "closed":
            parts.append(part("close", t["updated"], t["assignee"] or "A1"))
        if state == "snoozed":
            parts.append(part("snoozed", t["updated"], t["assignee"] or "A1"))
        cattrs = {}
        if t["order"]:
            cattrs["order_number"] = t["order"]
        if t["roast"]:
            cattrs["roast_preference"] = t["roast"]
        if t["wholesale"] is not None:
            cattrs["wholesale_account"] = t["wholesale"]
        priority = "priority" if t["priority"] in ("high", "urgent") else "not_priority"
        conv = {"type": "conversation", "id": conv_id, "title": t["subject"] if t["n"] % 2 else None,
                "created_at": epoch(first["at"]), "updated_at": epoch(t["updated"]),
                "waiting_since": epoch(t["updated"]) if state != "closed" else None,
                "snoozed_until": epoch("2025-06-01T09:00:00Z") if state == "snoozed" else None,
                "open": state != "closed", "state": state, "read": True, "priority": priority,
                "admin_assignee_id": int(aid[t["assignee"]]) if t["assignee"] else None, "team_assignee_id": None,
                "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": str(82000 + i), "name": x, "applied_at": epoch(first["at"]),
                                                        "applied_by": {"type": "admin", "id": aid.get(t["assignee"] or "A1")}}
                                                       for i, x in enumerate(t["tags"])]},
                "conversation_rating": None,
                "source": {"type": "email" if t["n"] % 2 else "conversation", "id": str(1700000000 + t["n"]), "delivered_as": "customer_initiated",
                           "subject": t["subject"] if t["n"] % 2 else "", "body": first["html"], "author": author(t["requester"]),
                           "attachments": source_atts, "url": None if t["n"] % 2 else "https://harborlane.coffee/shop", "redacted": False},
                "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": pid[t["requester"]],
                                                                    "external_id": None if t["requester"] == "P8" else f"cust-{t['requester'].lower()}"}]},
                "teammates": {"type": "admin.list", "admins": [{"type": "admin", "id": aid[t["assignee"]]}] if t["assignee"] else []},
                "custom_attributes": cattrs, "first_contact_reply": {"created_at": epoch(first["at"]), "type": "conversation", "url": None},
                "sla_applied": None,
                "statistics": {"type": "conversation_statistics", "time_to_assignment": 30 if t["assignee"] else None,
                               "first_contact_reply_at": epoch(first["at"]), "last_close_at": epoch(t["updated"]) if state == "closed" else None,
                               "count_reopens": 0, "count_assignments": 1 if t["assignee"] else 0, "count_conversation_parts": len(parts) + 1},
                "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts, "total_count": len(parts)},
                "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
                "ai_agent_participated": False}
        files[f"conversations/{conv_id}.json"] = dumps(conv)
        title = t["subject"] if t["n"] % 2 else t["subject"]  # even conversations have no title: the source subject/body stands in
        expected_tickets[conv_id] = {
            "title": title if t["n"] % 2 else text_of(first["html"])[:120],
            "status": IC_STATE_TO_CSTAR[state], "priority": "high" if priority == "priority" else None,
            "tags": sorted(x.lower() for x in t["tags"]),
            "customerEmail": requester["email"].lower() if requester["email"] else None, "customerName": requester["name"],
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": first["at"], "customFields": cattrs,
            "notesContain": [a["name"] for a in source_atts] + [a["url"] for a in source_atts],
            "messages": sorted(expected_messages, key=lambda x: x["createdAt"])}

    customers = expected_customers(CONTACTS, lambda k: pid[k])
    customers[pid["P10"]] = {"skipped": "duplicate email of " + pid["P1"], "name": "Maya L."}
    memberships = [[pid[p], coid[k]] for k in COMPANIES for p, c in CONTACTS.items() if k in c["companies"] and c["email"]]
    expected = {
        "customers": customers,
        "customerFields": {pid[k]: ({"loyalty_tier": c["tier"]} if c["tier"] else {}) for k, c in CONTACTS.items() if c["email"]},
        "groups": {coid[k]: {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": {"conversations not marked as priority in Intercom (cStar's default, normal, applies)":
                  sum(1 for t in TICKETS if t["priority"] not in ("high", "urgent")),
                  "attachments of a conversation's first message kept as links in the ticket's notes (cStar takes no files)":
                  sum(1 for t in expected_tickets.values() for x in t["notesContain"] if x.startswith("http")),
                  **attachment_notes(expected_tickets)},
    }
    files["expected.json"] = expected_json(expected)
    return files


# ---------------------------------------------------------------------------------------------------------------
# Front (Core API): pages {"_pagination": {"next": ...}, "_links": {...}, "_results": [...]}; timestamps are epoch
# seconds with a fractional part. A conversation's messages and comments come from its event stream.

FR = "https://harborlane.api.frontapp.com"
FR_CATEGORY = {"open": "open", "pending": "waiting", "resolved": "resolved", "closed": "resolved"}
FR_STATUS = {"open": "assigned", "pending": "assigned", "resolved": "archived", "closed": "archived"}
FR_CATEGORY_TO_CSTAR = {"open": "open", "waiting": "pending", "resolved": "resolved"}


def front():
    acc = {k: f"acc_{['3ab1c', '3ab2d', '3ab3e'][i]}" for i, k in enumerate(COMPANIES)}
    crd = {k: f"crd_{i + 1:02d}hl{k.lower()}" for i, k in enumerate(CONTACTS)}
    tea = {k: f"tea_{['a1m0', 'b2s0', 'c3p0'][i]}" for i, k in enumerate(AGENTS)}
    files = {}

    def results(items, path, next_=None):
        return {"_pagination": {"next": next_}, "_links": {"self": f"{FR}/{path}"}, "_results": items}

    def teammate(k):
        a = AGENTS[k]
        return {"_links": {"self": f"{FR}/teammates/{tea[k]}", "related": {"inboxes": f"{FR}/teammates/{tea[k]}/inboxes",
                                                                           "conversations": f"{FR}/teammates/{tea[k]}/conversations"}},
                "id": tea[k], "email": a["email"], "username": a["first"].lower(), "first_name": a["first"], "last_name": a["last"],
                "is_admin": k == "A1", "is_available": True, "is_blocked": False, "type": "user", "custom_fields": {}}

    accounts = [{"_links": {"self": f"{FR}/accounts/{acc[k]}", "related": {"contacts": f"{FR}/accounts/{acc[k]}/contacts"}},
                 "id": acc[k], "name": c["name"], "logo_url": None, "description": c["note"], "domains": [c["domain"]],
                 "external_id": f"HL-{k}", "custom_fields": {"Account tier": c["tier"]},
                 "created_at": epoch(c["created"]) + 0.123, "updated_at": epoch(c["created"]) + 0.456} for k, c in COMPANIES.items()]
    files["accounts.json"] = dumps(results(accounts, "accounts"))

    def contact(k):
        c = CONTACTS[k]
        handles = ([{"handle": c["email"], "source": "email"}] if c["email"] else []) + \
                  ([{"handle": c["phone"].replace(" ", ""), "source": "phone"}] if c["phone"] else [])
        return {"_links": {"self": f"{FR}/contacts/{crd[k]}", "related": {"notes": f"{FR}/contacts/{crd[k]}/notes",
                                                                          "conversations": f"{FR}/contacts/{crd[k]}/conversations", "owner": None}},
                "id": crd[k], "name": c["name"], "description": c["job"] or "", "avatar_url": None, "links": [],
                "lists": [], "handles": handles, "custom_fields": {"Loyalty tier": c["tier"]} if c["tier"] else {},
                "is_private": False, "is_spammer": False, "updated_at": epoch(c["created"]) + 0.25}

    files["contacts-001.json"] = dumps(results([contact(k) for k in CONTACTS], "contacts"))
    for k in COMPANIES:
        files[f"accounts/{acc[k]}/contacts.json"] = dumps(results([contact(p) for p, c in CONTACTS.items() if k in c["companies"]],
                                                                  f"accounts/{acc[k]}/contacts"))
    fields = [{"_links": {"self": f"{FR}/custom_fields/fld_{n}"}, "id": f"fld_{n}", "name": name, "description": desc, "type": ftype}
              for n, name, desc, ftype in [("8aa1", "Order number", "Shop order, if any", "string"),
                                           ("8aa2", "Wholesale account", "Customer buys wholesale", "boolean"),
                                           ("8aa3", "Bags per month", "Wholesale volume", "number"),
                                           ("8aa4", "Priority", "Team-defined priority (Front has none of its own)", "string")]]
    files["conversation_custom_fields.json"] = dumps(results(fields, "conversations/custom_fields"))

    conversations = []
    expected_tickets = {}
    n_evt = 1
    scenario = [dict(t) for t in TICKETS]
    # A conversation moved to Trash: deleted in Front, skipped by the set.
    scenario.append({"n": 11, "subject": "test — please ignore", "requester": "P6", "assignee": "A1", "status": "deleted", "priority": None,
                     "tags": [], "order": None, "wholesale": None, "bags": None, "updated": "2025-05-21T10:01:00Z",
                     "messages": [m("2025-05-21T10:00:00Z", "A1", "<p>test</p>")]})
    for t in scenario:
        cnv = f"cnv_7q{t['n']:02d}hl"
        requester = CONTACTS[t["requester"]]
        handle = requester["email"] or requester["phone"].replace(" ", "")
        recipient = {"_links": {"related": {"contact": f"{FR}/contacts/{crd[t['requester']]}"}}, "name": requester["name"],
                     "handle": handle, "role": "from"}
        cf = {}
        if t.get("order"):
            cf["Order number"] = t["order"]
        if t.get("wholesale") is not None:
            cf["Wholesale account"] = t["wholesale"]
        if t.get("bags") is not None:
            cf["Bags per month"] = t["bags"]
        if t.get("priority"):
            cf["Priority"] = t["priority"].capitalize()
        deleted = t["status"] == "deleted"
        conv = {"_links": {"self": f"{FR}/conversations/{cnv}",
                           "related": {"events": f"{FR}/conversations/{cnv}/events", "followers": f"{FR}/conversations/{cnv}/followers",
                                       "messages": f"{FR}/conversations/{cnv}/messages", "comments": f"{FR}/conversations/{cnv}/comments",
                                       "inboxes": f"{FR}/conversations/{cnv}/inboxes", "last_message": f"{FR}/messages/msg_{t['n']:02d}last"}},
                "id": cnv, "subject": t["subject"], "status": "deleted" if deleted else FR_STATUS[t["status"]],
                "status_id": None if deleted else f"sts_{FR_CATEGORY[t['status']][:4]}", "status_category": None if deleted else FR_CATEGORY[t["status"]],
                "ticket_ids": [f"TICKET-{t['n']}"], "assignee": teammate(t["assignee"]) if t["assignee"] else None,
                "recipient": recipient,
                "tags": [{"_links": {"self": f"{FR}/tags/tag_{slug(x)}"}, "id": f"tag_{slug(x)}", "name": x, "description": None,
                          "highlight": None, "is_private": False, "is_visible_in_conversation_lists": True,
                          "created_at": epoch("2024-09-01T09:00:00Z") + 0.5, "updated_at": epoch("2024-09-01T09:00:00Z") + 0.5} for x in t["tags"]],
                "links": [], "custom_fields": cf, "created_at": epoch(t["messages"][0]["at"]) + 0.318,
                "waiting_since": epoch(t["updated"]) + 0.0 if t["status"] == "pending" else None,
                "is_private": False, "scheduled_reminders": [], "metadata": {}}
        conversations.append(conv)

        events = []
        expected_messages = []
        first_outbound = True
        for i, msg in enumerate(t["messages"]):
            at = epoch(msg["at"]) + 0.5 + i / 100
            agent = msg["author"].startswith("A")
            evt = f"evt_{n_evt:04d}hl"
            n_evt += 1
            atts = [{"id": f"fil_{n_evt:04d}", "filename": a["name"], "url": f"{FR}/download/fil_{n_evt:04d}", "content_type": a["type"],
                     "size": a["size"], "metadata": {"is_inline": False, "cid": None}} for a in msg["attachments"]]
            if msg["private"]:
                data = {"_links": {"self": f"{FR}/comments/com_{n_evt:04d}", "related": {"conversation": f"{FR}/conversations/{cnv}",
                                                                                           "mentions": f"{FR}/comments/com_{n_evt:04d}/mentions"}},
                        "id": f"com_{n_evt:04d}", "author": teammate(msg["author"]), "body": text_of(msg["html"]),
                        "posted_at": at, "attachments": atts, "is_pinned": False}
                kind, meta = "comment", "comment"
                source = {"_meta": {"type": "teammate"}, "data": teammate(msg["author"])}
            else:
                person = {"_links": {"related": {"contact": f"{FR}/contacts/{crd[t['requester']]}"}}, "name": requester["name"], "handle": handle}
                us = {"_links": {"related": {"contact": None}}, "name": "Harbor Lane Support", "handle": "support@harborlane.coffee"}
                recipients = ([dict(person, role="from"), dict(us, role="to")] if not agent else [dict(us, role="from"), dict(person, role="to")])
                data = {"_links": {"self": f"{FR}/messages/msg_{n_evt:04d}", "related": {"conversation": f"{FR}/conversations/{cnv}",
                                                                                           "message_replied_to": None, "message_seen": f"{FR}/messages/msg_{n_evt:04d}/seen"}},
                        "id": f"msg_{n_evt:04d}", "message_uid": f"3b1e{n_evt:04d}", "type": "sms" if t["requester"] == "P8" else "email",
                        "is_inbound": not agent, "draft_mode": None, "error_type": None, "version": None, "created_at": at,
                        "subject": t["subject"], "blurb": text_of(msg["html"])[:100], "author": teammate(msg["author"]) if agent else None,
                        "recipients": recipients, "body": msg["html"], "text": text_of(msg["html"]), "attachments": atts,
                        "signature": None, "metadata": {}, "is_draft": False}
                kind = "inbound" if not agent else ("outbound" if first_outbound and i == 0 else "out_reply")
                meta = "message"
                source = ({"_meta": {"type": "inboxes"}, "data": [{"id": "inb_5hl0", "name": "Support"}]} if not agent
                          else {"_meta": {"type": "teammate"}, "data": teammate(msg["author"])})
            events.append({"_links": {"self": f"{FR}/events/{evt}"}, "id": evt, "type": kind, "emitted_at": at + 0.004,
                           "source": source, "target": {"_meta": {"type": meta}, "data": data},
                           "conversation": {"_links": {"self": f"{FR}/conversations/{cnv}"}, "id": cnv, "subject": t["subject"]}})
            expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                      "contains": [snippet(msg["html"])] + [a["filename"] for a in atts] + [a["url"] for a in atts]})
            if i == 0 and t["assignee"]:
                # Assignment and tagging are events too; the set keeps only messages and comments.
                evt2 = f"evt_{n_evt:04d}hl"
                n_evt += 1
                events.append({"_links": {"self": f"{FR}/events/{evt2}"}, "id": evt2, "type": "assign", "emitted_at": at + 1.5,
                               "source": {"_meta": {"type": "rule"}, "data": {"id": "rul_2hl", "name": "Round robin"}},
                               "target": {"_meta": {"type": "teammate"}, "data": teammate(t["assignee"])},
                               "conversation": {"_links": {"self": f"{FR}/conversations/{cnv}"}, "id": cnv, "subject": t["subject"]}})
        events.reverse()  # Front lists events newest first
        files[f"conversations/{cnv}/events.json"] = dumps(results(events, f"conversations/{cnv}/events"))
        if deleted:
            expected_tickets[cnv] = {"skipped": "deleted in Front"}
            continue
        expected_tickets[cnv] = {
            "title": t["subject"], "status": FR_CATEGORY_TO_CSTAR[FR_CATEGORY[t["status"]]], "priority": t["priority"],
            "tags": sorted(x.lower() for x in t["tags"]),
            "customerEmail": requester["email"].lower() if requester["email"] else None, "customerName": requester["name"],
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": t["messages"][0]["at"], "customFields": {slug(k): v for k, v in cf.items()},
            "messages": sorted(expected_messages, key=lambda x: x["createdAt"])}
    conversations.sort(key=lambda c: c["created_at"], reverse=True)
    files["conversations-001.json"] = dumps(results(conversations[:6], "conversations", f"{FR}/conversations?page_token=8c1f2e"))
    files["conversations-002.json"] = dumps(results(conversations[6:], "conversations?page_token=8c1f2e"))

    memberships = [[crd[p], acc[k]] for k in COMPANIES for p, c in CONTACTS.items() if k in c["companies"] and c["email"]]
    expected = {
        # Front keeps no creation time for contacts.
        "customers": expected_customers(CONTACTS, lambda k: crd[k], "no email handle", created=False),
        "customerFields": {crd[k]: ({"Loyalty tier": c["tier"]} if c["tier"] else {}) for k, c in CONTACTS.items() if c["email"]},
        "groups": {acc[k]: {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": {"conversations without a Priority custom field in Front (cStar's default, normal, applies)": 1,
                  **attachment_notes(expected_tickets)},
    }
    files["expected.json"] = expected_json(expected)
    return files

# ---------------------------------------------------------------------------------------------------------------
# HubSpot (CRM API v3 objects, v4 associations, Conversations API v3): pages {"results": [...], "paging": {...}};
# CRM property values are strings; timestamps ISO 8601 UTC with milliseconds.

HB_STAGE = {"open": "3", "pending": "2", "resolved": "4", "closed": "4"}   # default Support pipeline "0"
HB_STAGE_TO_CSTAR = {"1": "open", "2": "pending", "3": "open", "4": "closed"}
HB_PRIORITY = {"low": "LOW", "normal": "MEDIUM", "high": "HIGH", "urgent": "URGENT"}
HB_PRIORITY_TO_CSTAR = {"LOW": "low", "MEDIUM": "normal", "HIGH": "high", "URGENT": "urgent"}


def hb_time(s):
    return s.replace("Z", ".000Z")


def hb_category(t):
    tags = set(t["tags"])
    if "billing" in tags:
        return "BILLING_ISSUE"
    if tags & {"equipment", "damaged"}:
        return "PRODUCT_ISSUE"
    return "GENERAL_INQUIRY" if tags else None


def hubspot():
    coid = {k: str(18000000001 + i) for i, k in enumerate(COMPANIES)}
    pid = {k: str(51000000101 + i) for i, k in enumerate(CONTACTS)}
    oid = {k: str(41000001 + i) for i, k in enumerate(AGENTS)}
    files = {}

    def page(results, next_after=None):
        out = {"results": results}
        if next_after:
            out["paging"] = {"next": {"after": next_after, "link": f"https://api.hubapi.com/crm/v3/objects?after={next_after}"}}
        return out

    companies = []
    for k, c in COMPANIES.items():
        companies.append({"id": coid[k], "properties": {"createdate": hb_time(c["created"]), "description": c["note"], "domain": c["domain"],
                                                        "hs_lastmodifieddate": hb_time(c["created"]), "hs_object_id": coid[k],
                                                        "industry": "FOOD_BEVERAGES", "name": c["name"], "account_tier": c["tier"]},
                          "createdAt": hb_time(c["created"]), "updatedAt": hb_time(c["created"]), "archived": False})
    files["companies-001.json"] = dumps(page(companies))

    contacts = []
    for k, c in CONTACTS.items():
        assoc = []
        for i, x in enumerate(c["companies"]):
            # v3 lists a primary company twice: the primary label and the unlabeled association.
            if i == 0:
                assoc.append({"id": coid[x], "type": "contact_to_company"})
            assoc.append({"id": coid[x], "type": "contact_to_company_unlabeled"})
        rec = {"id": pid[k], "properties": {"createdate": hb_time(c["created"]), "email": c["email"], "firstname": c["first"],
                                             "hs_object_id": pid[k], "jobtitle": c["job"], "lastmodifieddate": hb_time(c["created"]),
                                             "lastname": c["last"], "phone": c["phone"], "loyalty_tier": c["tier"]},
               "createdAt": hb_time(c["created"]), "updatedAt": hb_time(c["created"]), "archived": False}
        if assoc:
            rec["associations"] = {"companies": {"results": assoc}}
        contacts.append(rec)
    files["contacts-001.json"] = dumps(page(contacts[:6], "51000000107"))
    files["contacts-002.json"] = dumps(page(contacts[6:]))
    # GET /crm/v4/objects/companies/{id}/associations/contacts: who belongs where (Tomás is in two companies).
    for k in COMPANIES:
        rows = []
        for p, c in CONTACTS.items():
            if k in c["companies"]:
                types = ([{"category": "HUBSPOT_DEFINED", "typeId": 2, "label": "Primary"}] if c["companies"][0] == k else []) + \
                        [{"category": "HUBSPOT_DEFINED", "typeId": 280, "label": None}]
                rows.append({"toObjectId": int(pid[p]), "associationTypes": types})
        files[f"companies/{coid[k]}/contacts.json"] = dumps({"results": rows})
    files["owners.json"] = dumps({"results": [
        {"id": oid[k], "email": a["email"], "type": "PERSON", "firstName": a["first"], "lastName": a["last"], "userId": 9100001 + i,
         "userIdIncludingInactive": 9100001 + i, "createdAt": "2024-09-01T09:00:00.000Z", "updatedAt": "2025-01-02T09:00:00.000Z",
         "archived": False, "teams": [{"id": "3301", "name": "Support", "primary": True}]} for i, (k, a) in enumerate(AGENTS.items())]})

    tickets = []
    expected_tickets = {}
    msg_id = 1
    for t in TICKETS:
        tid = str(7700000000 + t["n"])
        requester = CONTACTS[t["requester"]]
        first = t["messages"][0]
        # Ticket 7 came from a form: no conversation thread, its content is the only message.
        stage = "1" if t["n"] == 7 else HB_STAGE[t["status"]]
        cat = hb_category(t)
        props = {"closed_date": hb_time(t["updated"]) if stage == "4" else None, "content": text_of(first["html"]),
                 "createdate": hb_time(first["at"]), "hs_lastmodifieddate": hb_time(t["updated"]), "hs_object_id": tid,
                 "hs_pipeline": "0", "hs_pipeline_stage": stage, "hs_ticket_category": cat,
                 "hs_ticket_priority": HB_PRIORITY.get(t["priority"]), "hubspot_owner_id": oid[t["assignee"]] if t["assignee"] else None,
                 "source_type": "FORM" if t["n"] == 7 else "EMAIL", "subject": t["subject"],
                 "order_number": t["order"], "roast_preference": t["roast"],
                 "wholesale_account": None if t["wholesale"] is None else ("true" if t["wholesale"] else "false"),
                 "bags_per_month": None if t["bags"] is None else str(t["bags"])}
        assoc = {"contacts": {"results": [{"id": pid[t["requester"]], "type": "ticket_to_contact"}]}}
        if requester["companies"]:
            assoc["companies"] = {"results": [{"id": coid[requester["companies"][0]], "type": "ticket_to_company"}]}
        tickets.append({"id": tid, "properties": props, "createdAt": hb_time(first["at"]), "updatedAt": hb_time(t["updated"]),
                        "archived": False, "associations": assoc})
        expected_messages = []
        if t["n"] == 7:
            expected_messages.append({"createdAt": first["at"], "internal": False, "sender": "customer", "contains": [snippet(first["html"])]})
        else:
            thread_id = str(8800000000 + t["n"])
            rows = []
            for i, msg in enumerate(t["messages"]):
                agent = msg["author"].startswith("A")
                atts = [{"fileId": str(150000000 + msg_id), "name": a["name"], "type": "FILE", "fileUsageType": "IMAGE" if a["type"].startswith("image") else "OTHER",
                         "url": f"https://api-na1.hubspot.com/filemanager/api/v2/files/{150000000 + msg_id}/signed-url-redirect"} for a in msg["attachments"]]
                person = {"actorId": f"V-{pid[t['requester']]}", "name": requester["name"],
                          "deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": requester["email"] or requester["phone"]}}
                us = {"actorId": f"A-{9100001 + list(AGENTS).index(msg['author'])}" if agent else "A-9100001",
                      "name": AGENTS[msg["author"]]["name"] if agent else "Harbor Lane Support",
                      "deliveryIdentifier": {"type": "HS_EMAIL_ADDRESS", "value": "support@harborlane.coffee"}}
                row = {"type": "COMMENT" if msg["private"] else "MESSAGE", "id": f"{msg_id:08x}", "conversationsThreadId": thread_id,
                       "createdAt": hb_time(msg["at"]), "updatedAt": hb_time(msg["at"]), "createdBy": us["actorId"] if agent else person["actorId"],
                       "client": {"clientType": "HUBSPOT" if agent else "SYSTEM"}, "senders": [us if agent else person],
                       "archived": False, "text": text_of(msg["html"]), "richText": msg["html"], "attachments": atts}
                if not msg["private"]:
                    row.update({"recipients": [dict(person, recipientField="TO") if agent else dict(us, recipientField="TO")],
                                "subject": t["subject"], "truncationStatus": "NOT_TRUNCATED", "status": {"statusType": "SENT"},
                                "direction": "OUTGOING" if agent else "INCOMING", "channelId": "1002", "channelAccountId": "55000001"})
                msg_id += 1
                rows.append(row)
                expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                          "contains": [snippet(msg["html"])] + [a["name"] for a in atts] + [a["url"] for a in atts]})
                if i == 0 and t["assignee"]:
                    # Assignments and status changes are thread events, not messages.
                    rows.append({"type": "ASSIGNMENT", "id": f"{msg_id:08x}", "conversationsThreadId": thread_id,
                                 "createdAt": hb_time(msg["at"].replace(":00Z", ":30Z")), "createdBy": "S-hubspot", "client": {"clientType": "SYSTEM"},
                                 "assignedTo": f"A-{9100001 + list(AGENTS).index(t['assignee'])}", "archived": False})
                    msg_id += 1
            if stage == "4":
                rows.append({"type": "THREAD_STATUS_CHANGE", "id": f"{msg_id:08x}", "conversationsThreadId": thread_id,
                             "createdAt": hb_time(t["updated"]), "createdBy": "S-hubspot", "client": {"clientType": "SYSTEM"},
                             "newStatus": "CLOSED", "archived": False})
                msg_id += 1
            rows.reverse()  # the messages endpoint answers newest first (uncertain; the set orders by createdAt)
            files[f"tickets/{tid}/messages.json"] = dumps({"results": rows})
        cf = {}
        if t["order"]:
            cf["order_number"] = t["order"]
        if t["roast"]:
            cf["roast_preference"] = t["roast"]
        if t["wholesale"] is not None:
            cf["wholesale_account"] = t["wholesale"]
        if t["bags"] is not None:
            cf["bags_per_month"] = t["bags"]
        expected_tickets[tid] = {
            "title": t["subject"], "status": HB_STAGE_TO_CSTAR[stage], "priority": HB_PRIORITY_TO_CSTAR.get(props["hs_ticket_priority"]),
            "tags": [cat.lower()] if cat else [],
            # HubSpot has no full-name property: a ticket whose contact is not migrated keeps the first name.
            "customerEmail": requester["email"].lower() if requester["email"] else None,
            "customerName": requester["name"] if requester["email"] else requester["first"],
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": first["at"], "customFields": cf, "messages": sorted(expected_messages, key=lambda x: x["createdAt"])}
    files["tickets-001.json"] = dumps(page(tickets))

    memberships = [[pid[p], coid[k]] for k in COMPANIES for p, c in CONTACTS.items() if k in c["companies"] and c["email"]]
    expected = {
        "customers": expected_customers(CONTACTS, lambda k: pid[k]),
        "customerFields": {pid[k]: ({"loyalty_tier": c["tier"]} if c["tier"] else {}) for k, c in CONTACTS.items() if c["email"]},
        "groups": {coid[k]: {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": {"tickets without a priority in HubSpot (cStar's default, normal, applies)": 1,
                  **attachment_notes(expected_tickets)},
    }
    files["expected.json"] = expected_json(expected)
    return files


# ---------------------------------------------------------------------------------------------------------------
# Zoho Desk (API v1): pages {"data": [...]}; timestamps ISO 8601 UTC with milliseconds; ids are numeric strings.

ZD = "https://desk.zoho.com"
ZD_STATUS = {"open": ("Open", "Open"), "pending": ("On Hold", "On Hold"), "resolved": ("Closed", "Closed"), "closed": ("Closed", "Closed")}
ZD_STATUS_TYPE_TO_CSTAR = {"Open": "open", "On Hold": "pending", "Closed": "closed"}
# Zoho Desk's default priority list is High, Medium, Low (no Urgent): urgent is written as High.
ZD_PRIORITY = {"low": "Low", "normal": "Medium", "high": "High", "urgent": "High"}
ZD_PRIORITY_TO_CSTAR = {"Low": "low", "Medium": "normal", "High": "high", "Urgent": "urgent"}


def zohodesk():
    acid = {k: str(614000000010001 + i) for i, k in enumerate(COMPANIES)}
    pid = {k: str(614000000020001 + i) for i, k in enumerate(CONTACTS)}
    pid["P10"] = "614000000020010"
    agid = {k: str(614000000030001 + i) for i, k in enumerate(AGENTS)}
    files = {}

    accounts = []
    for k, c in COMPANIES.items():
        accounts.append({"id": acid[k], "accountName": c["name"], "email": None, "website": f"https://{c['domain']}", "phone": None,
                         "industry": "Food & Beverage", "description": c["note"], "ownerId": agid["A1"], "createdTime": hb_time(c["created"]),
                         "modifiedTime": hb_time(c["created"]), "customFields": {"Account tier": c["tier"]}, "cf": {"cf_account_tier": c["tier"]},
                         "webUrl": f"{ZD}/support/harborlane/ShowHomePage.do#Accounts/dv/{acid[k]}", "zohoCRMAccount": None})
    files["accounts.json"] = dumps({"data": accounts})

    def contact(k, c):
        return {"id": pid[k], "firstName": c["first"], "lastName": c["last"], "email": c["email"], "secondaryEmail": None,
                "phone": c["phone"], "mobile": None, "title": c["job"], "type": None, "accountId": acid[c["companies"][0]] if c["companies"] else None,
                "ownerId": agid["A1"], "createdTime": hb_time(c["created"]), "modifiedTime": hb_time(c["created"]),
                "customFields": {"Loyalty tier": c["tier"]}, "cf": {"cf_loyalty_tier": c["tier"]}, "isAnonymous": False, "photoURL": None,
                "webUrl": f"{ZD}/support/harborlane/ShowHomePage.do#Contacts/dv/{pid[k]}", "zohoCRMContact": None}

    contacts = [contact(k, c) for k, c in CONTACTS.items()]
    # Zoho Desk does not enforce unique emails: an older duplicate of Maya, email in other case → skipped.
    dup = dict(CONTACTS["P1"], first="Maya", last="L.", name="Maya L.", email="MAYA@BluefinCafes.com", companies=[], tier=None,
               created="2024-10-30T17:02:00Z")
    contacts.append(contact("P10", dup))
    files["contacts-001.json"] = dumps({"data": contacts})
    files["agents.json"] = dumps({"data": [
        {"id": agid[k], "firstName": a["first"], "lastName": a["last"], "name": a["name"], "emailId": a["email"], "status": "ACTIVE",
         "roleId": "614000000000201", "profileId": "614000000000101", "isConfirmed": True, "zuid": str(70100001 + i), "photoURL": None,
         "langCode": "en_US", "mobile": None, "phone": None} for i, (k, a) in enumerate(AGENTS.items())]})
    def custom_field(fid, api, label, ftype, values=None):
        return {"id": fid, "apiName": api, "displayLabel": label, "type": ftype, "isCustomField": True,
                "allowedValues": [{"value": x} for x in values] if values else None, "maxLength": 120, "isMandatory": False,
                "isEncryptedField": False}

    # GET /api/v1/organizationFields?module=accounts|contacts (custom fields only shown here).
    files["account_fields.json"] = dumps({"data": [custom_field("614000000041001", "cf_account_tier", "Account tier", "Picklist",
                                                                ["Bronze", "Silver", "Gold"])]})
    files["contact_fields.json"] = dumps({"data": [custom_field("614000000042001", "cf_loyalty_tier", "Loyalty tier", "Picklist",
                                                                ["Bronze", "Silver", "Gold"])]})
    files["ticket_fields.json"] = dumps({"data": [
        {"id": "614000000040001", "apiName": "subject", "displayLabel": "Subject", "type": "Text", "isCustomField": False, "allowedValues": None,
         "maxLength": 255, "isMandatory": True, "isEncryptedField": False},
        {"id": "614000000040002", "apiName": "cf_order_number", "displayLabel": "Order number", "type": "Text", "isCustomField": True,
         "allowedValues": None, "maxLength": 255, "isMandatory": False, "isEncryptedField": False},
        {"id": "614000000040003", "apiName": "cf_roast_preference", "displayLabel": "Roast preference", "type": "Picklist", "isCustomField": True,
         "allowedValues": [{"value": x} for x in ROASTS], "maxLength": 120, "isMandatory": False, "isEncryptedField": False},
        {"id": "614000000040004", "apiName": "cf_wholesale_account", "displayLabel": "Wholesale account", "type": "Boolean", "isCustomField": True,
         "allowedValues": None, "maxLength": None, "isMandatory": False, "isEncryptedField": False},
    ]})

    tickets = []
    expected_tickets = {}
    th_id = 614000000050001
    for t in TICKETS:
        tid = str(614000000060000 + t["n"])
        requester = CONTACTS[t["requester"]]
        first = t["messages"][0]
        status, stype = ZD_STATUS[t["status"]]
        threads, comments = [], []
        expected_messages = []
        for i, msg in enumerate(t["messages"]):
            agent = msg["author"].startswith("A")
            who = AGENTS[msg["author"]] if agent else requester
            author = {"id": agid[msg["author"]] if agent else pid[msg["author"]], "name": who["name"], "email": who["email"],
                      "type": "AGENT" if agent else "END_USER", "photoURL": None}
            atts = [{"id": str(th_id) + "9", "name": a["name"], "size": str(a["size"]),
                     "href": f"https://desk.zoho.com/api/v1/tickets/{tid}/threads/{th_id}/attachments/{th_id}9/content"} for a in msg["attachments"]]
            if msg["private"]:
                comments.append({"id": str(th_id), "content": msg["html"], "contentType": "html", "isPublic": False,
                                 "commentedTime": hb_time(msg["at"]), "modifiedTime": hb_time(msg["at"]), "commenterId": author["id"],
                                 "commenter": {"id": author["id"], "firstName": who["first"], "lastName": who["last"], "name": who["name"],
                                               "email": who["email"], "type": "AGENT", "roleName": "Agent", "photoURL": None},
                                 "attachments": atts, "mention": []})
            else:
                threads.append({"id": str(th_id), "channel": "EMAIL", "status": "SUCCESS", "visibility": "public", "author": author,
                                "direction": "out" if agent else "in", "createdTime": hb_time(msg["at"]), "summary": text_of(msg["html"])[:100],
                                "content": msg["html"], "contentType": "text/html", "isDescriptionThread": i == 0, "hasAttach": bool(atts),
                                "attachmentCount": str(len(atts)), "attachments": atts, "canReply": True, "responderId": author["id"] if agent else None,
                                "fromEmailAddress": who["email"] or "", "to": "support@harborlane.coffee" if not agent else (requester["email"] or ""),
                                "cc": "", "bcc": "", "isForward": False, "respondedIn": None})
            th_id += 1
            expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                      "contains": [snippet(msg["html"])] + [a["name"] for a in atts] + [a["href"] for a in atts]})
        threads.reverse()   # newest first, as the list answers (uncertain; the set orders by time)
        files[f"tickets/{tid}/threads.json"] = dumps({"data": threads})
        if comments:
            files[f"tickets/{tid}/comments.json"] = dumps({"data": comments})
        cf = {"cf_order_number": t["order"], "cf_roast_preference": t["roast"], "cf_wholesale_account": t["wholesale"]}
        tickets.append({"id": tid, "ticketNumber": str(100 + t["n"]), "subject": t["subject"], "status": status, "statusType": stype,
                        "priority": ZD_PRIORITY.get(t["priority"]), "channel": "Phone" if t["requester"] == "P8" else "Email",
                        "email": requester["email"], "phone": requester["phone"], "contactId": pid[t["requester"]],
                        "accountId": acid[requester["companies"][0]] if requester["companies"] else None, "departmentId": "614000000000301",
                        "assigneeId": agid[t["assignee"]] if t["assignee"] else None, "category": None, "subCategory": None,
                        "createdTime": hb_time(first["at"]), "modifiedTime": hb_time(t["updated"]),
                        "closedTime": hb_time(t["updated"]) if stype == "Closed" else None, "dueDate": hb_time(t["updated"]),
                        "responseDueDate": None, "customerResponseTime": hb_time(first["at"]), "onholdTime": hb_time(t["updated"]) if stype == "On Hold" else None,
                        "threadCount": str(len(threads)), "commentCount": str(len(comments)), "isSpam": False, "language": "English",
                        "webUrl": f"{ZD}/support/harborlane/ShowHomePage.do#Cases/dv/{tid}", "productId": None,
                        "customFields": {"Order number": t["order"], "Roast preference": t["roast"], "Wholesale account": t["wholesale"]}, "cf": cf,
                        "contact": {"id": pid[t["requester"]], "firstName": requester["first"], "lastName": requester["last"], "email": requester["email"],
                                    "phone": requester["phone"], "type": None, "account": None},
                        "assignee": {"id": agid[t["assignee"]], "firstName": AGENTS[t["assignee"]]["first"], "lastName": AGENTS[t["assignee"]]["last"],
                                     "photoURL": None, "email": AGENTS[t["assignee"]]["email"]} if t["assignee"] else None})
        fields = {}
        for label, key in [("Order number", "cf_order_number"), ("Roast preference", "cf_roast_preference"), ("Wholesale account", "cf_wholesale_account")]:
            if cf[key] is not None:
                fields[slug(label)] = cf[key]
        expected_tickets[tid] = {
            "title": t["subject"], "status": ZD_STATUS_TYPE_TO_CSTAR[stype], "priority": ZD_PRIORITY_TO_CSTAR.get(ZD_PRIORITY.get(t["priority"])),
            "tags": [], "customerEmail": requester["email"].lower() if requester["email"] else None, "customerName": requester["name"],
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": first["at"], "customFields": fields, "messages": sorted(expected_messages, key=lambda x: x["createdAt"])}
    # A spam ticket: skipped.
    tickets.append(dict(tickets[5], id=str(614000000060011), ticketNumber="111", subject="Cheap sunglasses", isSpam=True, threadCount="0",
                        commentCount="0", priority=None, assignee=None, assigneeId=None))
    expected_tickets["614000000060011"] = {"skipped": "marked as spam in Zoho Desk"}
    files["tickets-001.json"] = dumps({"data": tickets})

    customers = expected_customers(CONTACTS, lambda k: pid[k])
    customers[pid["P10"]] = {"skipped": "duplicate email of " + pid["P1"], "name": "Maya L."}
    memberships = [[pid[k], acid[c["companies"][0]]] for k, c in CONTACTS.items() if c["companies"] and c["email"]]
    expected = {
        "customers": customers,
        "customerFields": {pid[k]: ({"loyalty_tier": c["tier"]} if c["tier"] else {}) for k, c in CONTACTS.items() if c["email"]},
        "groups": {acid[k]: {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": {"tickets without a priority in Zoho Desk (cStar's default, normal, applies)": 1, **attachment_notes(expected_tickets)},
    }
    files["expected.json"] = expected_json(expected)
    return files


# ---------------------------------------------------------------------------------------------------------------
# Crisp (REST API v1): every answer is {"error": false, "reason": "...", "data": ...}; times are epoch milliseconds.
# Crisp is a chat inbox: no priority, no ticket custom fields (conversation meta.data instead), no companies of their
# own (a people profile names its company), one profile per email (a phone-only visitor has no profile).

CR_WEBSITE = "3f1a0c52-8d2e-4b7a-9c41-6e0f2b5d7a18"
CR_STATE = {"open": "unresolved", "pending": "unresolved", "resolved": "resolved", "closed": "resolved"}
CR_STATE_TO_CSTAR = {"pending": "open", "unresolved": "open", "resolved": "resolved"}
CR_STATUS = {"pending": 0, "unresolved": 1, "resolved": 2}


def ms(s):
    return epoch(s) * 1000


def crisp():
    pid = {k: f"a1c0f3e2-5b7d-4c1a-9e2f-{i + 1:012d}" for i, k in enumerate(CONTACTS)}
    opid = {k: f"d4b8e1f0-2c3a-4e5b-8f9d-{i + 1:012d}" for i, k in enumerate(AGENTS)}
    files = {}

    def envelope(reason, data):
        return dumps({"error": False, "reason": reason, "data": data})

    profiles = []
    for k, c in CONTACTS.items():
        if not c["email"]:
            continue  # a phone-only visitor: Crisp keeps people profiles by email
        company = COMPANIES[c["companies"][0]] if c["companies"] else None
        profiles.append({"people_id": pid[k], "email": c["email"],
                         "person": {"nickname": c["name"], "avatar": None, "gender": None, "phone": c["phone"], "address": None,
                                    "description": None, "website": None, "timezone": -420,
                                    "profiles": [], "employment": {"title": c["job"]} if c["job"] else {},
                                    "geolocation": {"country": "US", "city": "Seattle"}, "locales": ["en"]},
                         "company": {"name": company["name"], "domain": company["domain"]} if company else {},
                         "segments": [c["tier"].lower()] if c["tier"] else [], "notepad": None,
                         "active": {"now": False, "last": ms(c["created"])}, "score": 0,
                         "created_at": ms(c["created"]), "updated_at": ms(c["created"])})
    files["people_profiles-1.json"] = envelope("listed", profiles)
    # GET /website/{website_id}/operators/list (uncertain shape): the operators' emails, for assignees.
    files["operators.json"] = envelope("listed", [
        {"type": "operator", "details": {"user_id": opid[k], "email": a["email"], "first_name": a["first"], "last_name": a["last"],
                                         "role": "owner" if k == "A1" else "member", "title": "Support", "availability": "offline",
                                         "has_2fa": False}} for k, a in AGENTS.items()])

    conversations = []
    expected_tickets = {}
    fp = 173000000
    for t in TICKETS:
        sid = f"session_5e0c2a7b-1c4d-4f3e-9a1b-{t['n']:012d}"
        requester = CONTACTS[t["requester"]]
        first, last = t["messages"][0], t["messages"][-1]
        chat = t["n"] in (6, 7, 9)
        state = "pending" if t["n"] == 7 else CR_STATE[t["status"]]
        rows, expected_messages = [], []
        for msg in t["messages"]:
            agent = msg["author"].startswith("A")
            who = AGENTS[msg["author"]] if agent else requester
            user = {"type": "website" if agent else "participant", "user_id": opid[msg["author"]] if agent else (pid.get(t["requester"]) if requester["email"] else sid),
                    "nickname": who["name"], "avatar": None}
            fp += 1
            base = {"session_id": sid, "website_id": CR_WEBSITE, "from": "operator" if agent else "user",
                    "origin": "chat" if chat or msg["private"] else "email", "preview": [], "mentions": [], "read": "chat", "delivered": "chat",
                    "edited": False, "translated": False, "automated": False, "stamped": True, "user": user}
            rows.append(dict(base, type="note" if msg["private"] else "text", content=text_of(msg["html"]), fingerprint=fp, timestamp=ms(msg["at"])))
            expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                      "contains": [snippet(msg["html"])]})
            # An attachment is a message of its own (type file), sent right after the text.
            for i, a in enumerate(msg["attachments"]):
                fp += 1
                url = f"https://storage.crisp.chat/users/upload/session/{sid[8:]}/{a['name']}"
                at = datetime.fromtimestamp(epoch(msg["at"]) + 1 + i, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                rows.append(dict(base, type="file", content={"name": a["name"], "url": url, "type": a["type"]}, fingerprint=fp, timestamp=ms(at)))
                expected_messages.append({"createdAt": at, "internal": msg["private"], "sender": "agent" if agent else "customer",
                                          "contains": [a["name"], url]})
        if state == "resolved":
            # The state change is an event message: not a message of the thread.
            fp += 1
            rows.append({"session_id": sid, "website_id": CR_WEBSITE, "type": "event", "from": "operator", "origin": "chat",
                         "content": {"namespace": "state:resolved", "text": "Conversation resolved"}, "preview": [], "mentions": [],
                         "read": "chat", "delivered": "", "edited": False, "translated": False, "automated": True, "stamped": True,
                         "fingerprint": fp, "timestamp": ms(t["updated"]), "user": {"type": "website", "user_id": opid["A1"], "nickname": "Alex Moreno"}})
        files[f"conversations/{sid}/messages.json"] = envelope("resolved", rows)
        data = {}
        if t["order"]:
            data["order_number"] = t["order"]
        if t["roast"]:
            data["roast_preference"] = t["roast"]
        if t["wholesale"] is not None:
            data["wholesale_account"] = t["wholesale"]
        if t["bags"] is not None:
            data["bags_per_month"] = t["bags"]
        meta = {"nickname": requester["name"], "email": requester["email"] or "", "phone": requester["phone"] or "", "ip": "203.0.113." + str(t["n"]),
                "avatar": None, "data": data, "segments": t["tags"], "address": None,
                "device": {"capabilities": ["browsing"], "geolocation": {"country": "US", "region": "WA", "city": "Seattle"},
                           "system": {"os": {"name": "Mac OS"}, "browser": {"name": "Safari"}}, "timezone": -420, "locales": ["en"]},
                "origin": "chat" if chat else "email"}
        if t["n"] != 7:
            meta["subject"] = t["subject"]
        if not requester["email"]:
            del meta["email"]
        conv = {"session_id": sid, "website_id": CR_WEBSITE, "inbox_id": None, "state": state, "status": CR_STATUS[state],
                "is_verified": False, "is_blocked": False, "availability": "offline", "active": {"now": False, "last": ms(t["updated"])},
                "last_message": text_of(last["html"]), "preview_message": {"type": "text", "from": "operator" if last["author"].startswith("A") else "user",
                                                                            "excerpt": text_of(last["html"])[:100], "fingerprint": fp},
                "topic": None, "participants": [], "mentions": [], "compose": {}, "unread": {"operator": 0, "visitor": 0},
                "meta": meta, "created_at": ms(first["at"]), "updated_at": ms(t["updated"]), "waiting_since": 0}
        if requester["email"]:
            conv["people_id"] = pid[t["requester"]]
        if t["assignee"]:
            conv["assigned"] = {"user_id": opid[t["assignee"]]}
        conversations.append(conv)
        expected_tickets[sid] = {
            "title": t["subject"] if t["n"] != 7 else text_of(last["html"])[:120], "status": CR_STATE_TO_CSTAR[state], "priority": None,
            "tags": [x.lower() for x in t["tags"]], "customerEmail": requester["email"].lower() if requester["email"] else None,
            "customerName": requester["name"], "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": first["at"], "customFields": data, "messages": sorted(expected_messages, key=lambda x: x["createdAt"])}
    files["conversations-1.json"] = envelope("listed", conversations)

    customers = {pid[k]: {"email": c["email"].lower(), "name": c["name"], "createdAt": c["created"]} for k, c in CONTACTS.items() if c["email"]}
    memberships = [[pid[k], COMPANIES[c["companies"][0]]["name"]] for k, c in CONTACTS.items() if c["companies"] and c["email"]]
    expected = {
        "customers": customers,
        "groups": {c["name"]: {"name": c["name"]} for c in COMPANIES.values()},
        "memberships": sorted(memberships),
        "tickets": expected_tickets,
        "notes": attachment_notes(expected_tickets),
    }
    files["expected.json"] = expected_json(expected)
    return files


# ---------------------------------------------------------------------------------------------------------------
# LiveAgent (API v3): lists are bare arrays; ids short strings; times "YYYY-MM-DD HH:MM:SS"; statuses letter codes.

LA = "https://harborlane.ladesk.com"
LA_STATUS = {"open": "C", "pending": "A", "resolved": "R", "closed": "L"}
LA_STATUS_TO_CSTAR = {"I": "new", "N": "new", "T": "open", "P": "open", "C": "open", "A": "pending", "W": "pending", "R": "resolved", "L": "closed"}


def la_time(s):
    return s.replace("T", " ").replace("Z", "")


def liveagent():
    coid = {k: f"co{i + 1:02d}h7k2" for i, k in enumerate(COMPANIES)}
    pid = {k: f"ct{i + 1:02d}m4q9" for i, k in enumerate(CONTACTS)}
    agid = {k: f"ag{i + 1:02d}x8p3" for i, k in enumerate(AGENTS)}
    tag_names = sorted({x for t in TICKETS for x in t["tags"]})
    tgid = {name: f"tg{i + 1:02d}" for i, name in enumerate(tag_names)}
    files = {}

    files["companies.json"] = dumps([
        {"id": coid[k], "name": c["name"], "description": c["note"], "avatar_url": None, "type": "R", "date_created": la_time(c["created"]),
         "language": "en", "city": "Seattle", "countrycode": "US", "emails": [f"orders@{c['domain']}"], "phones": [], "groups": [],
         "system_name": c["name"], "note": None, "ip": None, "useragent": None, "screen": None, "time_offset": None, "latitude": None,
         "longitude": None, "custom_fields": {"tier": c["tier"]}} for k, c in COMPANIES.items()])

    def list_item(k, c):
        return {"id": pid[k], "firstname": c["first"], "lastname": c["last"], "systemname": c["name"], "description": None, "avatar_url": None,
                "type": "R", "gender": None, "date_created": la_time(c["created"]), "language": "en", "city": None, "countrycode": "US",
                "emails": [c["email"]] if c["email"] else [], "phones": [c["phone"]] if c["phone"] else [], "groups": []}

    files["contacts-001.json"] = dumps([list_item(k, c) for k, c in CONTACTS.items()])
    # GET /contacts/{contactId} for each contact: the only answer that names the contact's company.
    for k, c in CONTACTS.items():
        d = list_item(k, c)
        d.pop("systemname")
        d.update({"company_id": coid[c["companies"][0]] if c["companies"] else None, "system_name": c["name"], "ip": None, "job_position": c["job"],
                  "note": None, "useragent": None, "screen": None, "time_offset": None, "latitude": None, "longitude": None,
                  "custom_fields": [{"code": "loyalty_tier", "value": c["tier"]}] if c["tier"] else [],
                  "date_changed": la_time(c["created"])})
        files[f"contacts/{pid[k]}.json"] = dumps(d)
    files["agents.json"] = dumps([{"id": agid[k], "name": a["name"], "email": a["email"], "role": "owner" if k == "A1" else "agent",
                                   "avatar_url": None, "online_status": "F", "status": "A", "gender": "X"} for k, a in AGENTS.items()])
    files["tags.json"] = dumps([{"id": tgid[n], "name": n, "color": "FFFFFF", "background_color": "4A90E2", "is_public": "Y"} for n in tag_names])

    tickets = []
    expected_tickets = {}
    mg_id, msg_id = 1, 1
    for t in TICKETS:
        tid = f"tk{t['n']:02d}r5v1"
        requester = CONTACTS[t["requester"]]
        first = t["messages"][0]
        groups, expected_messages = [], []

        def message(userid, mtype, at, body, fmt="H"):
            nonlocal msg_id
            msg_id += 1
            return {"id": f"m{msg_id:05d}", "userid": userid, "type": mtype, "datecreated": la_time(at), "format": fmt, "message": body,
                    "visibility": "P" if mtype != "N" else "I"}

        def group(userid, name, gtype, at, messages):
            nonlocal mg_id
            mg_id += 1
            return {"id": f"g{mg_id:05d}", "parent_id": None, "userid": userid, "user_full_name": name, "type": gtype, "status": "V",
                    "datecreated": la_time(at), "datefinished": la_time(at), "sort_order": mg_id, "mail_msg_id": None, "pop3_msg_id": None,
                    "messages": messages}

        if t["n"] == 6:
            # A chat: one group holding every line, the visitor's and the agent's.
            lines = []
            for msg in t["messages"]:
                agent = msg["author"].startswith("A")
                lines.append(message(agid[msg["author"]] if agent else pid[t["requester"]], "M", msg["at"], text_of(msg["html"]), "T"))
                expected_messages.append({"createdAt": msg["at"], "internal": False, "sender": "agent" if agent else "customer",
                                          "contains": [snippet(msg["html"])]})
            groups.append(group(pid[t["requester"]], requester["name"], "C", first["at"], lines))
        else:
            for msg in t["messages"]:
                agent = msg["author"].startswith("A")
                who = AGENTS[msg["author"]] if agent else requester
                uid = agid[msg["author"]] if agent else pid[t["requester"]]
                if msg["private"]:
                    items = [message(uid, "N", msg["at"], text_of(msg["html"]), "T")]
                    gtype = "I"
                else:
                    items = [message(uid, "H", msg["at"], f"From: {who['name']} <{who['email'] or 'support@harborlane.coffee'}>", "T"),
                             message(uid, "M", msg["at"], msg["html"])]
                    gtype = "4" if agent else "3"
                contains = [snippet(msg["html"])]
                for a in msg["attachments"]:
                    url = f"{LA}/scripts/file.php?view=Y&file={tid}{a['name']}"
                    items.append(message(uid, "F", msg["at"], url, "T"))
                groups.append(group(uid, who["name"], gtype, msg["at"], items))
                expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                          "contains": contains})
                for a in msg["attachments"]:
                    expected_messages.append({"createdAt": msg["at"], "internal": msg["private"], "sender": "agent" if agent else "customer",
                                              "contains": [f"{LA}/scripts/file.php?view=Y&file={tid}{a['name']}"]})
        if t["status"] in ("resolved", "closed"):
            groups.append(group(agid["A1"], "Alex Moreno", "R", t["updated"], [message(agid["A1"], "S", t["updated"], "Resolved by Alex Moreno", "T")]))
        files[f"tickets/{tid}/messages.json"] = dumps(groups)
        cf = []
        if t["order"]:
            cf.append({"code": "order_number", "value": t["order"]})
        if t["roast"]:
            cf.append({"code": "roast_preference", "value": t["roast"]})
        if t["bags"] is not None:
            cf.append({"code": "bags_per_month", "value": str(t["bags"])})
        status = LA_STATUS[t["status"]]
        tickets.append({"id": tid, "owner_contactid": pid[t["requester"]], "owner_email": requester["email"] or "", "owner_name": requester["name"],
                        "departmentid": "dp01", "agentid": agid[t["assignee"]] if t["assignee"] else None, "status": status,
                        "tags": [tgid[x] for x in t["tags"]], "code": f"HLC-{t['n']:03d}-RV", "channel_type": "C" if t["requester"] == "P8" else ("B" if t["n"] == 6 else "E"),
                        "date_created": la_time(first["at"]), "date_changed": la_time(t["updated"]),
                        "date_resolved": la_time(t["updated"]) if status in ("R", "L") else None, "date_due": None, "date_deleted": None,
                        "last_activity": la_time(t["updated"]), "last_activity_public": la_time(t["updated"]),
                        "public_access_urlcode": f"pa{t['n']:02d}", "subject": t["subject"], "custom_fields": cf})
        expected_tickets[tid] = {
            "title": t["subject"], "status": LA_STATUS_TO_CSTAR[status], "priority": None, "tags": [x.lower() for x in t["tags"]],
            "customerEmail": requester["email"].lower() if requester["email"] else None, "customerName": requester["name"],
            "assignedToEmail": AGENTS[t["assignee"]]["email"] if t["assignee"] in ("A1", "A2") else None,
            "createdAt": first["at"], "customFields": {x["code"]: x["value"] for x in cf}, "messages": expected_messages}
    # A spam ticket: skipped with the reason.
    tickets.append(dict(tickets[6], id="tk11r5v1", subject="Cheap sunglasses", status="B", code="HLC-011-RV", tags=[], agentid=None))
    expected_tickets["tk11r5v1"] = {"skipped": "marked as spam in LiveAgent"}
    files["tickets-001.json"] = dumps(tickets)

    expected = {
        "customers": expected_customers(CONTACTS, lambda k: pid[k]),
        "groups": {coid[k]: {"name": c["name"]} for k, c in COMPANIES.items()},
        "memberships": sorted([[pid[k], coid[c["companies"][0]]] for k, c in CONTACTS.items() if c["companies"] and c["email"]]),
        "tickets": expected_tickets,
        "notes": {},
    }
    files["expected.json"] = expected_json(expected)
    return files


def main():
    check = "--check" in sys.argv[1:]
    bad = []
    for folder, make in [("freshdesk", freshdesk), ("helpscout", helpscout), ("intercom", intercom), ("front", front),
                         ("hubspot", hubspot), ("zohodesk", zohodesk), ("crisp", crisp), ("liveagent", liveagent)]:
        bad += write(folder, make(), check)
    if check:
        if bad:
            print("out of date (run Samples/make_helpdesk_samples.py):\n  " + "\n  ".join(bad))
            sys.exit(1)
        print("samples are current")


if __name__ == "__main__":
    main()
