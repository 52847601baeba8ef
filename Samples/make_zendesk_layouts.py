#!/usr/bin/env python3
"""Generate two Zendesk sample layouts of one made-up account, plus what a correct migration must deliver.

    python3 Samples/make_zendesk_layouts.py          # writes Samples/zendesk-full and Samples/zendesk-dump
    python3 Samples/make_zendesk_layouts.py --check  # regenerates in memory and fails if the files differ

Account: "Alpine Ridge Cycles" (alpineridgecycles.zendesk.com), a bike shop. Every person, company, order and
tracking number is fictional; IP addresses are from the documentation ranges (RFC 5737).

Layouts (see each folder's README.md):
  zendesk-full/  Admin Center "full JSON export": tickets.json / users.json / organizations.json are NDJSON
                 (one object per line, despite the .json name); ticket lines carry an inline `comments` array.
                 Field definitions and organization memberships come from the API, one page per file.
  zendesk-dump/  A script's raw API responses: offset pages, time-based incremental ticket pages (one ticket
                 repeated across pages, one deleted ticket), per-ticket comment pages in two file layouts,
                 ticket audits, one incremental ticket_events page and one single-ticket response.

Both folders also get expected.json, derived from the same data below, so samples and expectations agree.
Deterministic: no randomness, no clock. Shapes and the facts behind them: docs/zendesk-export-facts.md.
"""
import calendar
import copy
import html
import json
import os
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SUB = "alpineridgecycles"
BASE = f"https://{SUB}.zendesk.com"
API = f"{BASE}/api/v2"
SUPPORT_ADDRESS = f"support@{SUB}.zendesk.com"
BRAND_ID = 360001234567
FORM_ID = 360000765432


def base36(n):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def encoded_id(tid):
    """Zendesk's short display id ("encoded_id"); the real scheme is not public, this one is just stable."""
    return f"{base36(tid * 104729 + 7)[-6:]:0>6}-{base36(tid * 3301)[-4:]:0>4}"


def epoch(s):
    return calendar.timegm(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timetuple())


def dumps(obj):
    """Zendesk answers with compact JSON (no spaces); dump scripts save the body as it came."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------------------------------
# Organizations, groups, fields
# --------------------------------------------------------------------------------------------------------------

ORGS = [
    # id, name, domains, details, notes, tags, account_type, discount, created, updated, external_id
    (360040117701, "Summit Velo Club", ["summitvelo.org"], "Road and gravel club, 140 members.",
     "Club discount applies to members showing their card.", ["club", "road"], "club", "10.0",
     "2025-01-06T10:12:44Z", "2025-02-11T09:30:02Z", "crm-1001"),
    (360040117702, "Granite Peak Outfitters", ["granitepeak.co"], "Outdoor retailer, resells tubes and tools.",
     "", ["wholesale", "retailer"], "retailer", "22.5", "2025-01-06T10:15:03Z", "2025-03-10T13:05:40Z", "crm-1002"),
    (360040117703, "Cascade Commuter Co-op", ["cascadecommute.org"], "Bike-to-work co-op.", "",
     ["coop"], "corporate", "5.0", "2025-01-07T14:01:27Z", "2025-01-07T14:01:27Z", None),
    (360040117704, "Blue Marmot Tours", ["bluemarmot.travel"], "Guided gravel and e-bike tours.",
     "Rents 6-10 bikes most weekends in season.", ["tours", "rental"], "corporate", "12.0",
     "2025-01-09T08:44:10Z", "2025-03-04T16:47:12Z", "crm-1004"),
    (360040117705, "Ridgeline Physio", ["ridgelinephysio.com"], "Physiotherapy practice, refers bike fits.",
     "", ["partner", "bike_fit"], "corporate", None, "2025-01-15T11:20:00Z", "2025-01-15T11:20:00Z", None),
    (360040117706, "Tamarack School District", ["tamarackschools.org"], "Public school district.",
     "Needs purchase orders for anything over $500.", ["school"], "school", "15.0",
     "2025-02-20T15:33:19Z", "2025-05-06T08:31:05Z", "crm-1006"),
]
ORG = {o[0]: o for o in ORGS}
O_SUMMIT, O_GRANITE, O_CASCADE, O_MARMOT, O_PHYSIO, O_TAMARACK = (o[0] for o in ORGS)

GROUP_RENTALS, GROUP_WARRANTY, GROUP_WHOLESALE = 360009876501, 360009876502, 360009876503
STATUS_WAITING_ON_PARTS = 360011223344

F_BIKE, F_SERVICES = 27642, 27648
F_WARRANTY, F_PURCHASE, F_NBIKES, F_TOTAL, F_ORDER, F_SERIAL, F_LEGACY = (
    360012345678, 360012345679, 360012345680, 360012345681, 360012345682, 360012345683, 360012345684)

BIKE_OPTIONS = [(360021870011, "Road", "bike_road"), (360021870012, "Gravel", "bike_gravel"),
                (360021870013, "Mountain", "bike_mtb"), (360021870014, "E-bike", "bike_ebike"),
                (360021870015, "Kids", "bike_kids")]
SERVICE_OPTIONS = [(360021870021, "Tune-up", "svc_tuneup"), (360021870022, "Brake service", "svc_brakes"),
                   (360021870023, "Wheel truing", "svc_truing"), (360021870024, "Tubeless setup", "svc_tubeless"),
                   (360021870025, "Bike fit", "svc_fit"), (360021870026, "Rental", "svc_rental")]
LEGACY_OPTIONS = [(360021870031, "Main Street", "store_main"), (360021870032, "Airport kiosk", "store_airport")]

# custom field id -> (title, type, options)
CUSTOM_FIELDS = {
    F_BIKE: ("Bike type", "tagger", BIKE_OPTIONS),
    F_SERVICES: ("Services requested", "multiselect", SERVICE_OPTIONS),
    F_WARRANTY: ("Under warranty", "checkbox", None),
    F_PURCHASE: ("Purchase date", "date", None),
    F_NBIKES: ("Number of bikes", "integer", None),
    F_TOTAL: ("Order total", "decimal", None),
    F_ORDER: ("Order number", "regexp", None),
    F_SERIAL: ("Frame serial number", "text", None),
    F_LEGACY: ("Legacy store", "tagger", LEGACY_OPTIONS),  # inactive field, never filled
}
FIELD_ORDER = [F_BIKE, F_SERVICES, F_WARRANTY, F_PURCHASE, F_NBIKES, F_TOTAL, F_ORDER, F_SERIAL, F_LEGACY]


def field_options(options, default_value=None):
    return [{"id": oid, "name": name, "raw_name": name, "value": value, "default": value == default_value}
            for oid, name, value in options]


def ticket_field(fid, ftype, title, position, created, *, description="", required=False, active=True,
                 removable=True, agent_description=None, regexp=None, tag=None, extra=None,
                 portal=(True, True, False)):
    visible, editable, required_portal = portal
    obj = {
        "url": f"{API}/ticket_fields/{fid}.json", "id": fid, "type": ftype, "title": title, "raw_title": title,
        "description": description, "raw_description": description, "position": position, "active": active,
        "required": required, "collapsed_for_agents": False, "regexp_for_validation": regexp,
        "title_in_portal": title, "raw_title_in_portal": title, "visible_in_portal": visible,
        "editable_in_portal": editable, "required_in_portal": required_portal, "tag": tag,
        "created_at": created, "updated_at": created, "removable": removable, "key": None,
        "agent_description": agent_description,
    }
    if extra:
        obj.update(extra)
    return obj


def custom_status(sid, category, label, default, created, description=""):
    return {"url": f"{API}/custom_statuses/{sid}.json", "id": sid, "status_category": category,
            "agent_label": label, "raw_agent_label": label, "end_user_label": label if category != "hold" else "Open",
            "raw_end_user_label": label if category != "hold" else "Open", "description": description,
            "raw_description": description, "end_user_description": "", "raw_end_user_description": "",
            "active": True, "default": default, "created_at": created, "updated_at": created}


def build_ticket_fields():
    c0 = "2025-01-06T09:00:00Z"
    sys_opts = lambda pairs: [{"name": n, "value": v} for n, v in pairs]
    fields = [
        ticket_field(360000101001, "subject", "Subject", 1, c0, required=True, removable=False,
                     description="Please enter a brief description of your request", portal=(True, True, True)),
        ticket_field(360000101002, "description", "Description", 2, c0, removable=False,
                     description="Please enter the details of your request", portal=(True, True, True)),
        ticket_field(360000101003, "status", "Status", 3, c0, removable=False, portal=(False, False, False),
                     extra={"system_field_options": sys_opts([("Open", "open"), ("Pending", "pending"),
                                                              ("On-hold", "hold"), ("Solved", "solved")]),
                            "sub_type_id": 0}),
        ticket_field(360000101004, "custom_status", "Ticket status", 4, c0, removable=False,
                     portal=(False, False, False),
                     extra={"custom_statuses": [
                         custom_status(360011220001, "new", "New", True, c0),
                         custom_status(360011220002, "open", "Open", True, c0),
                         custom_status(360011220003, "pending", "Pending", True, c0),
                         custom_status(360011220004, "hold", "On-hold", True, c0),
                         custom_status(360011220005, "solved", "Solved", True, c0),
                         custom_status(STATUS_WAITING_ON_PARTS, "hold", "Waiting on parts", False,
                                       "2025-04-01T08:00:00Z", "A part or frame is on order from the supplier"),
                     ]}),
        ticket_field(360000101005, "tickettype", "Type", 5, c0, removable=False, portal=(False, False, False),
                     extra={"system_field_options": sys_opts([("Question", "question"), ("Incident", "incident"),
                                                              ("Problem", "problem"), ("Task", "task")])}),
        ticket_field(360000101006, "priority", "Priority", 6, c0, removable=False, portal=(False, False, False),
                     extra={"system_field_options": sys_opts([("Low", "low"), ("Normal", "normal"),
                                                              ("High", "high"), ("Urgent", "urgent")]),
                            "sub_type_id": 0}),
        ticket_field(360000101007, "group", "Group", 7, c0, removable=False, portal=(False, False, False)),
        ticket_field(360000101008, "assignee", "Assignee", 8, c0, required=True, removable=False,
                     portal=(False, False, False)),
    ]
    c1 = "2025-01-08T12:30:00Z"
    fields += [
        ticket_field(F_BIKE, "tagger", "Bike type", 9, c1, description="What kind of bike is this about?",
                     extra={"custom_field_options": field_options(BIKE_OPTIONS)}),
        ticket_field(F_SERVICES, "multiselect", "Services requested", 10, c1,
                     extra={"custom_field_options": field_options(SERVICE_OPTIONS)}),
        ticket_field(F_WARRANTY, "checkbox", "Under warranty", 11, c1, tag="under_warranty",
                     portal=(False, False, False), agent_description="Tick once the supplier accepted the claim"),
        ticket_field(F_PURCHASE, "date", "Purchase date", 12, c1),
        ticket_field(F_NBIKES, "integer", "Number of bikes", 13, c1),
        ticket_field(F_TOTAL, "decimal", "Order total", 14, c1, portal=(False, False, False),
                     agent_description="USD, before tax"),
        ticket_field(F_ORDER, "regexp", "Order number", 15, c1, regexp="^[A-Z]{2}-\\d{4,5}$",
                     description="For example AR-10211"),
        ticket_field(F_SERIAL, "text", "Frame serial number", 16, c1),
        ticket_field(F_LEGACY, "tagger", "Legacy store", 17, "2025-01-06T09:30:00Z", active=False,
                     portal=(False, False, False), extra={"custom_field_options": field_options(LEGACY_OPTIONS)}),
    ]
    return fields


def user_field(fid, ftype, key, title, position, created, *, description="", options=None, tag=None):
    obj = {"url": f"{API}/user_fields/{fid}.json", "id": fid, "type": ftype, "key": key, "title": title,
           "description": description, "raw_title": title, "raw_description": description, "position": position,
           "active": True, "system": False, "regexp_for_validation": None, "created_at": created,
           "updated_at": created}
    if options is not None:
        obj["custom_field_options"] = options
    if ftype == "checkbox":
        obj["tag"] = tag
    return obj


TIER_OPTIONS = [(360022510001, "Bronze", "tier_bronze"), (360022510002, "Silver", "tier_silver"),
                (360022510003, "Gold", "tier_gold")]


def build_user_fields():
    c = "2025-01-06T09:40:00Z"
    return [
        user_field(360005550001, "dropdown", "loyalty_tier", "Loyalty tier", 0, c,
                   description="Alpine Rewards tier", options=field_options(TIER_OPTIONS)),
        user_field(360005550002, "checkbox", "newsletter", "Newsletter", 1, c, tag="newsletter_optin"),
        user_field(360005550003, "date", "birthday", "Birthday", 2, c, description="For the birthday tune-up voucher"),
    ]


def build_org_fields():
    c = "2025-01-06T09:45:00Z"
    types = [(360022520001, "Club", "club"), (360022520002, "Retailer", "retailer"),
             (360022520003, "Corporate", "corporate"), (360022520004, "School", "school")]
    return [
        {"url": f"{API}/organization_fields/360005560001.json", "id": 360005560001, "type": "dropdown",
         "key": "account_type", "title": "Account type", "description": "", "raw_title": "Account type",
         "raw_description": "", "position": 0, "active": True, "system": False, "regexp_for_validation": None,
         "created_at": c, "updated_at": c, "custom_field_options": field_options(types)},
        {"url": f"{API}/organization_fields/360005560002.json", "id": 360005560002, "type": "decimal",
         "key": "discount_percent", "title": "Discount %", "description": "Standing discount on parts and labour",
         "raw_title": "Discount %", "raw_description": "Standing discount on parts and labour", "position": 1,
         "active": True, "system": False, "regexp_for_validation": None, "created_at": c, "updated_at": c},
    ]


def org_object(o):
    oid, name, domains, details, notes, tags, account_type, discount, created, updated, external_id = o
    return {"url": f"{API}/organizations/{oid}.json", "id": oid, "name": name, "shared_tickets": False,
            "shared_comments": False, "external_id": external_id, "created_at": created, "updated_at": updated,
            "domain_names": domains, "details": details, "notes": notes, "group_id": None, "tags": tags,
            "organization_fields": {"account_type": account_type,
                                    "discount_percent": float(discount) if discount else None}}


# --------------------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------------------

ADMIN, THEO, PRIYA = 390577201001, 390577201002, 390577201003
U = {}  # id -> dict of attributes
USER_ROWS = [
    # id, name, email, phone, role, org, created, tz, tier, newsletter, birthday, tags, notes
    (ADMIN, "Mara Lindqvist", "mara@alpineridgecycles.com", "+1 970 555 0100", "admin", None,
     "2025-01-06T08:55:12Z", "Mountain Time (US & Canada)", None, False, None, [], ""),
    (THEO, "Theo Okonkwo", "theo@alpineridgecycles.com", None, "agent", None,
     "2025-01-06T09:20:40Z", "Mountain Time (US & Canada)", None, False, None, ["mechanic"], ""),
    (PRIYA, "Priya Desai", "priya@alpineridgecycles.com", None, "agent", None,
     "2025-01-06T09:21:05Z", "Mountain Time (US & Canada)", None, False, None, ["rentals", "wholesale"], ""),
    (390577201011, "Jonas Weber", "jonas.weber@summitvelo.org", None, "end-user", O_SUMMIT,
     "2025-01-20T17:03:44Z", "Mountain Time (US & Canada)", "tier_gold", True, "1987-09-14T00:00:00+00:00",
     ["club_member"], "Rides a Canyon Endurace."),
    (390577201012, "Aiko Tanaka", "aiko.tanaka@summitvelo.org", "+1 970 555 0119", "end-user", O_SUMMIT,
     "2025-01-22T08:15:09Z", "Mountain Time (US & Canada)", "tier_silver", True, None,
     ["club_member", "tour_guide"], "Also books rentals for Blue Marmot Tours."),
    (390577201013, "Rafael Costa", "rafael@granitepeak.co", None, "end-user", O_GRANITE,
     "2025-01-23T12:40:51Z", "Pacific Time (US & Canada)", None, False, None, ["wholesale"], ""),
    (390577201014, "Hannah Brooks", "hannah.brooks@granitepeak.co", None, "end-user", O_GRANITE,
     "2025-01-23T12:44:02Z", "Pacific Time (US & Canada)", None, False, None, ["wholesale"], ""),
    (390577201015, "Dmitri Volkov", "dmitri@cascadecommute.org", None, "end-user", O_CASCADE,
     "2025-01-27T07:30:18Z", "Mountain Time (US & Canada)", "tier_bronze", False, None, [], ""),
    (390577201016, "Grace O'Neill", "grace.oneill@bluemarmot.travel", None, "end-user", O_MARMOT,
     "2025-02-02T10:05:55Z", "Mountain Time (US & Canada)", None, True, None, ["tour_guide"], ""),
    (390577201017, "Samir Haddad", "samir@ridgelinephysio.com", None, "end-user", O_PHYSIO,
     "2025-02-04T16:22:31Z", "Mountain Time (US & Canada)", None, False, None, [], ""),
    (390577201018, "Lucía Fernández", "lucia.fernandez@fastmail.com", None, "end-user", None,
     "2025-02-10T19:48:07Z", "Madrid", "tier_bronze", True, "1992-03-02T00:00:00+00:00", [], ""),
    (390577201019, "Ben Carter", None, "+1 970 555 0142", "end-user", O_CASCADE,
     "2025-03-18T11:38:20Z", "Mountain Time (US & Canada)", None, False, None, ["phone_only"],
     "Prefers phone calls; no email on file."),
    (390577201020, "Olivia Chen", "olivia.chen@gmail.com", None, "end-user", None,
     "2025-02-14T13:11:45Z", "Mountain Time (US & Canada)", "tier_gold", True, "1990-11-23T00:00:00+00:00",
     [], "Bought a 2023 Trek Checkpoint here."),
    (390577201021, "Marcus Reid", "marcus.reid@outlook.com", None, "end-user", None,
     "2025-02-18T09:57:00Z", "Central Time (US & Canada)", None, False, None, [], ""),
    (390577201022, "Ingrid Solberg", "ingrid.solberg@tamarackschools.org", "+1 970 555 0177", "end-user",
     O_TAMARACK, "2025-02-20T15:35:42Z", "Mountain Time (US & Canada)", None, False, None, ["school"], ""),
    (390577201023, "Kofi Mensah", "kofi.mensah@yahoo.com", None, "end-user", None,
     "2025-01-08T15:20:02Z", "Mountain Time (US & Canada)", "tier_silver", False, None, [], ""),
    (390577201024, "Elena Petrova", "elena.p@proton.me", None, "end-user", None,
     "2025-03-02T18:26:13Z", "Mountain Time (US & Canada)", None, True, None, [], ""),
    (390577201025, "Tom Baxter", "tom.baxter@gmail.com", None, "end-user", None,
     "2025-03-09T11:00:29Z", "Mountain Time (US & Canada)", None, False, None, [], ""),
    (390577201026, "Nadia Rahman", "nadia.rahman@ridgelinephysio.com", None, "end-user", O_PHYSIO,
     "2025-03-12T14:50:36Z", "Mountain Time (US & Canada)", None, False, None, [], ""),
    (390577201027, "Wes Holloway", "wes.holloway@icloud.com", None, "end-user", None,
     "2025-06-09T06:05:10Z", "Mountain Time (US & Canada)", None, False, None, [], ""),
]
for row in USER_ROWS:
    U[row[0]] = {"name": row[1], "email": row[2], "role": row[4], "org": row[5]}

# A requester that exists in Zendesk but is not in users.json (her account was deleted after the email came
# in); only the ticket's via.source.from still names her.
CARLA_ID = 390577209931
CARLA = {"name": "Carla Mendes", "email": "carla.mendes@riverbendcyclery.com"}

IANA = {"Mountain Time (US & Canada)": "America/Denver", "Pacific Time (US & Canada)": "America/Los_Angeles",
        "Central Time (US & Canada)": "America/Chicago", "Madrid": "Europe/Madrid"}

LAST_LOGIN = {ADMIN: "2025-06-12T08:02:11Z", THEO: "2025-06-12T07:58:40Z", PRIYA: "2025-06-12T09:29:03Z",
              390577201011: "2025-02-05T18:30:01Z", 390577201012: "2025-03-05T08:09:12Z",
              390577201020: "2025-04-14T10:18:44Z", 390577201022: "2025-05-07T14:53:30Z"}


def user_object(row):
    uid, name, email, phone, role, org, created, tz, tier, newsletter, birthday, tags, notes = row
    staff = role != "end-user"
    return {
        "id": uid, "url": f"{API}/users/{uid}.json", "name": name, "email": email, "created_at": created,
        "updated_at": LAST_LOGIN.get(uid, created), "time_zone": tz, "iana_time_zone": IANA[tz], "phone": phone,
        "shared_phone_number": False if phone else None, "photo": None, "locale_id": 1, "locale": "en-US",
        "organization_id": org, "role": role, "verified": email is not None, "external_id": None, "tags": tags,
        "alias": "", "active": True, "shared": False, "shared_agent": False,
        "last_login_at": LAST_LOGIN.get(uid), "two_factor_auth_enabled": None,
        "signature": f"{name.split()[0]} · Alpine Ridge Cycles" if staff else None, "details": "", "notes": notes,
        "role_type": 4 if role == "admin" else (0 if role == "agent" else None), "custom_role_id": None,
        "moderator": staff, "ticket_restriction": None if staff else "requested",
        "only_private_comments": False, "restricted_agent": not staff, "suspended": False,
        "default_group_id": {THEO: GROUP_WARRANTY, PRIYA: GROUP_RENTALS}.get(uid),
        "report_csv": role == "admin",
        "user_fields": {"birthday": birthday, "loyalty_tier": tier, "newsletter": newsletter},
    }


# Organization memberships: every user's default organization, Aiko's second one (Blue Marmot Tours), and an
# agent's membership (Theo rides with Summit Velo Club) that a migration must not turn into a customer membership.
MEMBERSHIPS = [
    # id, user, org, default, created
    (360105558801, 390577201011, O_SUMMIT, True, "2025-01-20T17:03:45Z"),
    (360105558802, 390577201012, O_SUMMIT, True, "2025-01-22T08:15:10Z"),
    (360105558803, 390577201013, O_GRANITE, True, "2025-01-23T12:40:52Z"),
    (360105558804, 390577201014, O_GRANITE, True, "2025-01-23T12:44:03Z"),
    (360105558805, 390577201015, O_CASCADE, True, "2025-01-27T07:30:19Z"),
    (360105558806, 390577201016, O_MARMOT, True, "2025-02-02T10:05:56Z"),
    (360105558807, 390577201017, O_PHYSIO, True, "2025-02-04T16:22:32Z"),
    (360105558808, 390577201022, O_TAMARACK, True, "2025-02-20T15:35:43Z"),
    (360105558809, 390577201012, O_MARMOT, False, "2025-03-01T09:12:00Z"),
    (360105558810, 390577201026, O_PHYSIO, True, "2025-03-12T14:50:37Z"),
    (360105558811, 390577201019, O_CASCADE, True, "2025-03-18T11:38:21Z"),
    (360105558812, THEO, O_SUMMIT, None, "2025-04-02T18:00:00Z"),
]


def membership_object(m):
    mid, uid, oid, default, created = m
    return {"url": f"{API}/organization_memberships/{mid}.json", "id": mid, "user_id": uid,
            "organization_id": oid, "default": default, "organization_name": ORG[oid][1],
            "view_tickets": True, "created_at": created, "updated_at": created}


# --------------------------------------------------------------------------------------------------------------
# Tickets and their conversations
# --------------------------------------------------------------------------------------------------------------

# Attachments: (file_name, content_type, size, width, height, token, thumb_token or None, inline)
ATT = {
    "invoice": ("invoice.pdf", "application/pdf", 48213, None, None, "AbC123xyzQ7mK2pL9rT4vW8nD", None, False),
    "slip": ("packing-slip.jpg", "image/jpeg", 284117, 1600, 1200, "Pk7sL1pQ9wE3rT5yU8iO2aS4d",
             "Pk7sL1pQ9wE3rT5yU8iO2aS4e", False),
    "picklist": ("image.png", "image/png", 91544, 820, 310, "Xq9mN3bV7cZ1aS5dF8gH2jK4l", None, True),
    "crack1": ("chainstay-crack-1.jpg", "image/jpeg", 402551, 2048, 1536, "Cr4ck1mG5nH8bV2cX6zA9sD3f",
               "Cr4ck1mG5nH8bV2cX6zA9sD3g", False),
    "crack2": ("chainstay-crack-2.jpg", "image/jpeg", 377802, 2048, 1536, "Cr4ck2qW7eR1tY4uI9oP3aS6d",
               "Cr4ck2qW7eR1tY4uI9oP3aS6e", False),
    "quote": ("quote-Q2025-118.pdf", "application/pdf", 63390, None, None, "Qu0teZ8xC2vB5nM1aS4dF7gH0", None,
              False),
}
ATT_IDS = {key: 3579124680000 + 10 * i for i, key in enumerate(ATT)}


def token_url(token, name):
    return f"{BASE}/attachments/token/{token}/?name={name}"


def attachment_object(key):
    name, ctype, size, width, height, token, thumb, inline = ATT[key]
    aid = ATT_IDS[key]
    base = {"url": f"{API}/attachments/{aid}.json", "id": aid, "file_name": name,
            "content_url": token_url(token, name), "mapped_content_url": token_url(token, name),
            "content_type": ctype, "size": size, "width": width, "height": height, "inline": inline,
            "deleted": False, "malware_access_override": False, "malware_scan_result": "malware_not_found"}
    thumbs = []
    if thumb:
        tname = name.rsplit(".", 1)[0] + "_thumb." + name.rsplit(".", 1)[1]
        thumbs.append({"url": f"{API}/attachments/{aid + 1}.json", "id": aid + 1, "file_name": tname,
                       "content_url": token_url(thumb, tname), "mapped_content_url": token_url(thumb, tname),
                       "content_type": ctype, "size": 2900 + size % 1000, "width": 80, "height": 60,
                       "inline": False, "deleted": False, "malware_access_override": False,
                       "malware_scan_result": "malware_not_found"})
    base["thumbnails"] = thumbs
    return base


def audit_id(ticket, k):
    """Audit k of a ticket (k = 0, 1, ...). Its comment (if any) is audit_id + 20; other events follow."""
    return 2851030000000 + ticket * 10000 + k * 200 + 7


WEB_VIA = {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}}


def email_via(name, address):
    return {"channel": "email", "source": {
        "from": {"address": address, "name": name, "original_recipients": [SUPPORT_ADDRESS]},
        "to": {"name": "Alpine Ridge Cycles", "address": SUPPORT_ADDRESS}, "rel": None}}


def web_meta(ip, city):
    lat, lon = {"Denver": (39.7392, -104.9903), "Boulder": (40.015, -105.2705),
                "Fort Collins": (40.5853, -105.0844), "Breckenridge": (39.4817, -106.0384)}[city]
    return {"system": {"client": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                                 "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
                       "ip_address": ip, "location": f"{city}, CO, United States", "latitude": lat,
                       "longitude": lon}, "custom": {}}


def email_meta(ticket, k):
    ident = f"{ticket}-{k}"
    return {"system": {"message_id": f"<CAF{ident}x7Qm@mail.example.net>", "email_id": f"01JAR{ident}EML",
                       "raw_email_identifier": f"19284756/{ident}.eml",
                       "json_email_identifier": f"19284756/{ident}.json"}, "custom": {}}


# Each comment: author, public, created_at, body, phrase (distinctive, for expected.json), channel, attachments,
# and an optional extra HTML fragment (inline image). Email comments come from the author's address.
def C(author, public, created, body, phrase, channel="web", atts=(), html_extra=None, ip="198.51.100.23",
      city="Denver"):
    assert phrase in body, phrase
    return {"author": author, "public": public, "created": created, "body": body, "phrase": phrase,
            "channel": channel, "atts": list(atts), "html_extra": html_extra, "ip": ip, "city": city}


PICKLIST_URL = token_url(ATT["picklist"][5], ATT["picklist"][0])

TICKETS = {}


def T(tid, **kw):
    TICKETS[tid] = kw


T(1198, subject="Brake rub after wheel truing", requester=390577201023, submitter=390577201023, assignee=THEO,
  org=None, group=None, type="incident", priority="normal", status="closed", created="2025-01-08T15:22:10Z",
  updated="2025-01-31T16:00:03Z", via=WEB_VIA, tags=["brakes", "walk_in", "wheel_truing"],
  satisfaction={"score": "unoffered"},
  fields={F_BIKE: "bike_gravel", F_SERVICES: ["svc_truing", "svc_brakes"], F_NBIKES: "1"},
  comments=[
      C(390577201023, True, "2025-01-08T15:22:10Z",
        "Hi, I picked up my Surly yesterday after the wheel truing and now the rear disc brake rubs on every "
        "rotation. Can I bring it back in?", "rear disc brake rubs on every rotation", ip="203.0.113.61"),
      C(THEO, True, "2025-01-08T17:40:51Z",
        "Sorry about that, Kofi! Sounds like the caliper needs re-centering after the wheel went back in.\n\n"
        "Drop by any time this week, no appointment needed, and we'll sort it at no charge.",
        "caliper needs re-centering"),
      C(THEO, False, "2025-01-10T11:05:12Z",
        "Re-centered caliper, rotor was 0.3 mm out of true, trued the rotor too. No charge.",
        "rotor was 0.3 mm out of true"),
      C(THEO, True, "2025-01-10T11:06:40Z",
        "All fixed: the rotor was slightly bent as well, so we straightened it. Your bike is ready for pickup.",
        "the rotor was slightly bent as well"),
  ])

T(1201, subject="Rear derailleur skipping after tune-up", requester=390577201011, submitter=390577201011,
  assignee=THEO, org=O_SUMMIT, group=None, type="incident", priority="normal", status="solved",
  created="2025-02-03T09:14:27Z", updated="2025-02-06T12:14:55Z",
  via=email_via("Jonas Weber", "jonas.weber@summitvelo.org"), tags=["derailleur", "tune_up", "warranty_followup"],
  satisfaction={"id": 3600312345601, "score": "good",
                "comment": "Quick, friendly and the fix was free. Will be back!"},
  fields={F_BIKE: "bike_road", F_SERVICES: ["svc_tuneup"], F_PURCHASE: "2024-04-19", F_NBIKES: "1",
          F_TOTAL: "129.95", F_ORDER: "AR-10211", F_SERIAL: "WTU123A4567B"},
  comments=[
      C(390577201011, True, "2025-02-03T09:14:27Z",
        "Hello,\n\nI had the Gold tune-up done on my Canyon Endurace last Friday. Since then the chain skips on "
        "the 3rd and 4th cog under load, especially when climbing. Could the cable need adjusting?\n\n"
        "Thanks,\nJonas", "chain skips on the 3rd and 4th cog", channel="email"),
      C(THEO, True, "2025-02-03T10:02:45Z",
        "Hi Jonas, thanks for letting us know. New cables stretch a little during the first rides, so a "
        "barrel-adjuster tweak usually fixes it.\n\nI've attached the invoice from your tune-up for reference: "
        "the follow-up adjustment is free within 30 days.", "barrel-adjuster tweak", atts=["invoice"]),
      C(THEO, False, "2025-02-03T10:05:10Z",
        "Work order WO-5521: Rahul did the tune-up, cable tension was set on the stand. Probably hanger "
        "alignment, check with the DAG tool.", "check with the DAG tool"),
      C(390577201011, True, "2025-02-05T18:31:02Z",
        "Dropped it off this morning and it rides perfectly now. Thanks for the quick fix!",
        "rides perfectly now", channel="email"),
  ])

T(1202, subject="Group ride rental: 6 gravel bikes for Saturday 15 March", requester=390577201012,
  submitter=390577201012, assignee=PRIYA, org=O_MARMOT, group=GROUP_RENTALS, type="task", priority="high",
  status="open", created="2025-03-04T16:45:00Z", updated="2025-03-05T08:10:44Z", due="2025-03-15T08:00:00Z",
  via=WEB_VIA, tags=["gravel", "group_rental"], satisfaction={"score": "unoffered"},
  fields={F_BIKE: "bike_gravel", F_SERVICES: ["svc_rental"], F_NBIKES: "6", F_TOTAL: "228.00"},
  comments=[
      C(390577201012, True, "2025-03-04T16:45:00Z",
        "Hi! Blue Marmot Tours is running a gravel tour on Saturday 15 March and we need 6 gravel bikes "
        "(sizes: 2x S, 3x M, 1x L) with helmets, from 8:00 to 17:00.\n\nCan you confirm availability and the "
        "group rate?", "we need 6 gravel bikes", ip="203.0.113.88", city="Breckenridge"),
      C(PRIYA, True, "2025-03-04T17:20:31Z",
        "Hi Aiko, we can do 6 gravel bikes that day. The group rate is $38 per bike for the day, helmets "
        "included. I've reserved 2 S, 3 M and 1 L; please confirm by Wednesday.", "$38 per bike for the day"),
      C(PRIYA, False, "2025-03-04T17:22:05Z",
        "Held Topstone fleet #3 to #8 in the rental calendar. Need a deposit before Friday.",
        "Held Topstone fleet #3 to #8"),
      C(390577201012, True, "2025-03-05T08:10:44Z",
        "Confirmed, thank you! We'll pay the deposit at pickup.", "pay the deposit at pickup",
        ip="203.0.113.88", city="Breckenridge"),
  ])

T(1203, subject="Wholesale order #GP-4471 missing two inner tubes", requester=390577201013,
  submitter=390577201013, assignee=PRIYA, org=O_GRANITE, group=GROUP_WHOLESALE, type="incident",
  priority="normal", status="pending", created="2025-03-10T13:02:19Z", updated="2025-06-12T09:30:41Z",
  via=email_via("Rafael Costa", "rafael@granitepeak.co"), tags=["missing_items", "wholesale"],
  satisfaction={"score": "unoffered"},
  fields={F_TOTAL: "412.80", F_ORDER: "GP-4471"},
  # The version a first incremental page saw, before Priya renamed it during the dump run.
  earlier={"subject": "Wholesale order missing items", "status": "open", "updated": "2025-03-11T09:15:00Z"},
  comments=[
      C(390577201013, True, "2025-03-10T13:02:19Z",
        "Hi team,\n\nOur order #GP-4471 arrived today but the box was short two 700x40 inner tubes (Presta). "
        "Photo of the packing slip attached.\n\nRafael", "short two 700x40 inner tubes", channel="email",
        atts=["slip"]),
      C(PRIYA, True, "2025-03-10T14:30:08Z",
        "Thanks Rafael, we checked the pick list and you're right, see the highlighted lines below. Two tubes "
        "are on their way by courier.", "we checked the pick list", atts=["picklist"],
        html_extra=f'<p dir="auto"><img src="{PICKLIST_URL}" alt="image.png" width="820" height="310"></p>'),
      C(PRIYA, False, "2025-03-11T09:15:00Z",
        "Courier tracking 1Z999AA10123456784. Leaving open until Rafael confirms.",
        "Courier tracking 1Z999AA10123456784"),
      C(PRIYA, False, "2025-06-12T09:30:41Z",
        "Rafael never confirmed, but the courier shows delivered on 14 March. Renamed the subject for the "
        "wholesale report and set to pending.", "courier shows delivered on 14 March"),
  ])

T(1204, subject="Call back about e-bike battery not charging", requester=390577201019, submitter=PRIYA,
  assignee=PRIYA, org=O_CASCADE, group=None, type=None, priority=None, status="open",
  created="2025-03-18T11:40:00Z", updated="2025-03-18T15:02:33Z", via=WEB_VIA, tags=["battery", "ebike", "phone"],
  satisfaction={"score": "unoffered"},
  fields={F_BIKE: "bike_ebike", F_WARRANTY: True, F_PURCHASE: "2024-09-02", F_NBIKES: "1"},
  comments=[
      C(PRIYA, True, "2025-03-18T11:40:00Z",
        "Ben called: his Gazelle e-bike battery stopped charging (the charger LED stays green). He asked for a "
        "call back on +1 970 555 0142 before 5pm.", "charger LED stays green"),
      C(PRIYA, False, "2025-03-18T15:02:33Z",
        "Called back, left a voicemail. Suggested bringing the battery and charger in for a diagnostic.",
        "left a voicemail"),
  ])

T(1205, subject="Do you stock 11-speed SRAM chains?", requester=CARLA_ID, submitter=CARLA_ID, assignee=None,
  org=None, group=None, type="question", priority="low", status="new", created="2025-04-02T07:55:41Z",
  updated="2025-04-02T07:55:42Z", via=email_via(CARLA["name"], CARLA["email"]), tags=["trade_inquiry"],
  satisfaction={"score": "unoffered"}, fields={},
  comments=[
      C(CARLA_ID, True, "2025-04-02T07:55:41Z",
        "Hello,\n\nI run a small workshop in Riverbend. Do you stock SRAM PC-1130 11-speed chains, and is there "
        "a trade discount for 20+ units?\n\nBest,\nCarla", "SRAM PC-1130 11-speed chains", channel="email"),
  ])

T(1206, subject="Frame warranty claim: cracked chainstay", requester=390577201020, submitter=390577201020,
  assignee=THEO, org=None, group=GROUP_WARRANTY, type="problem", priority="high", status="hold",
  custom_status=STATUS_WAITING_ON_PARTS, created="2025-04-14T10:20:00Z", updated="2025-04-16T09:05:30Z",
  via=WEB_VIA, tags=["frame", "warranty"], satisfaction={"score": "unoffered"},
  fields={F_BIKE: "bike_gravel", F_WARRANTY: True, F_PURCHASE: "2023-05-27", F_NBIKES: "1",
          F_SERIAL: "WTU291C8842K"},
  comments=[
      C(390577201020, True, "2025-04-14T10:20:00Z",
        "I found a hairline crack on the left chainstay of my 2023 Trek Checkpoint, near the dropout. Photos "
        "attached. Is this covered by the frame warranty?", "hairline crack on the left chainstay",
        atts=["crack1", "crack2"], ip="203.0.113.140", city="Boulder"),
      C(THEO, True, "2025-04-14T13:48:12Z",
        "Thanks Olivia, that does look like a warranty case. I've opened a claim with Trek (claim TRK-88213) "
        "and will let you know as soon as they approve a replacement frame.", "claim TRK-88213"),
      C(THEO, False, "2025-04-16T09:05:30Z",
        "Trek approved the claim; replacement frame ETA 3 weeks. Set to Waiting on parts.",
        "replacement frame ETA 3 weeks"),
  ])

T(1207, subject="Gift card balance?", requester=390577201021, submitter=390577201021, assignee=PRIYA,
  org=None, group=None, type="question", priority="low", status="closed", created="2025-04-22T19:03:11Z",
  updated="2025-04-30T20:00:07Z", via=WEB_VIA, tags=["gift_card"], satisfaction={"score": "offered"}, fields={},
  description="Hi, how can I check the balance on my Alpine Ridge gift card? The number is on the back but "
              "your website doesn't show a balance.",
  description_phrase="check the balance on my Alpine Ridge gift card",
  comments=[])  # the export carries no comments for this ticket, only its description

T(1208, subject="Quote for 30 kids' helmets: school safety program", requester=390577201022,
  submitter=390577201022, assignee=THEO, org=O_TAMARACK, group=None, type="question", priority="normal",
  status="open", created="2025-05-06T08:30:00Z", updated="2025-05-07T15:20:00Z", via=WEB_VIA,
  tags=["helmets", "quote", "school"], satisfaction={"score": "unoffered"},
  fields={F_BIKE: "bike_kids", F_NBIKES: "30", F_TOTAL: "870.00"},
  comments=[
      C(390577201022, True, "2025-05-06T08:30:00Z",
        "Hello,\n\nTamarack Elementary is starting a bike safety program in June. Could you send a quote for "
        "30 kids' helmets (sizes XS and S), ideally with a school discount?", "bike safety program in June",
        ip="198.51.100.77", city="Fort Collins"),
      C(THEO, True, "2025-05-06T11:12:40Z",
        "Hi Ingrid, happy to help! For 30 Bell Sidetrack helmets we can offer $29 each (15% school discount) "
        "and free fitting on the day. Quote attached.", "Bell Sidetrack helmets", atts=["quote"]),
      C(390577201022, True, "2025-05-07T14:55:09Z",
        "Great, the PTA approved it. Can you deliver on 2 June?", "the PTA approved it",
        ip="198.51.100.77", city="Fort Collins"),
      C(THEO, False, "2025-05-07T15:20:00Z",
        "Check stock with the Bell rep: we only have 12 XS on hand.", "only have 12 XS on hand"),
  ])

T(1209, subject="Brake rub is back", requester=390577201023, submitter=THEO, assignee=THEO, org=None,
  group=None, type="incident", priority="normal", status="open", created="2025-05-12T17:45:33Z",
  updated="2025-05-13T07:10:04Z",
  via={"channel": "web", "source": {"from": {"ticket_id": 1198, "subject": "Brake rub after wheel truing"},
                                    "to": {}, "rel": "follow_up"}},
  tags=["brakes", "follow_up"], satisfaction={"score": "unoffered"},
  fields={F_BIKE: "bike_gravel", F_SERVICES: ["svc_brakes"], F_NBIKES: "1"},
  comments=[
      C(THEO, True, "2025-05-12T17:45:33Z",
        "Following up on #1198: Kofi reports the rear brake rub came back after a long descent. Booking him in "
        "for Thursday.", "came back after a long descent"),
      C(390577201023, True, "2025-05-13T07:10:04Z", "Thursday works, see you at 9.", "see you at 9",
        channel="email"),
  ])

T(1210, subject="Tubeless setup leaking sealant", requester=390577201024, submitter=390577201024,
  assignee=PRIYA, org=None, group=None, type="problem", priority="normal", status="solved",
  created="2025-05-20T12:00:19Z", updated="2025-05-27T09:41:18Z",
  via=email_via("Elena Petrova", "elena.p@proton.me"), tags=["tubeless"],
  satisfaction={"id": 3600312345602, "score": "bad",
                "comment": "Fixed in the end, but three trips to the shop for one tubeless job."},
  fields={F_BIKE: "bike_mtb", F_SERVICES: ["svc_tubeless"], F_TOTAL: "60.00"},
  comments=[
      C(390577201024, True, "2025-05-20T12:00:19Z",
        "Since you set up my wheels tubeless last week, the rear tire weeps sealant along the bead and goes "
        "flat overnight.", "weeps sealant along the bead", channel="email"),
      C(PRIYA, True, "2025-05-20T14:22:50Z",
        "Sorry Elena! Some tire and rim combinations need a second layer of rim tape. Bring it in and we'll "
        "redo it for free.", "second layer of rim tape"),
      C(390577201024, True, "2025-05-26T18:03:37Z",
        "Redone, but it took three visits. Holding air now.", "it took three visits", channel="email"),
  ])

T(1211, subject="Reschedule bike fit appointment", requester=390577201017, submitter=390577201017,
  assignee=THEO, org=O_PHYSIO, group=None, type=None, priority="normal", status="closed",
  created="2025-05-28T09:00:00Z", updated="2025-06-05T10:00:04Z", via=WEB_VIA, tags=["bike_fit"],
  satisfaction={"score": "offered"}, fields={F_SERVICES: ["svc_fit"]},
  comments=[
      C(390577201017, True, "2025-05-28T09:00:00Z",
        "Can I move my bike fit from Friday 30 May to the following Tuesday afternoon? Thanks, Samir",
        "move my bike fit from Friday 30 May", ip="198.51.100.140"),
      C(THEO, True, "2025-05-28T10:31:26Z", "Done: you're booked for Tuesday 3 June at 14:00 with Mara.",
        "Tuesday 3 June at 14:00"),
  ])

T(1212, subject="Order #AR-10388: change shipping address before dispatch", requester=390577201027,
  submitter=390577201027, assignee=PRIYA, org=None, group=None, type="question", priority="urgent",
  status="solved", created="2025-06-09T06:12:45Z", updated="2025-06-10T14:02:50Z",
  via=email_via("Wes Holloway", "wes.holloway@icloud.com"), tags=["order", "shipping"],
  satisfaction={"score": "offered"}, fields={F_TOTAL: "549.99", F_ORDER: "AR-10388"},
  comments=[
      C(390577201027, True, "2025-06-09T06:12:45Z",
        "I just ordered a Thule bike rack (order #AR-10388) but entered my old address. Please ship to "
        "41 Larch Lane, Fairplay, CO 80440 instead!", "41 Larch Lane, Fairplay", channel="email"),
      C(PRIYA, True, "2025-06-09T08:40:12Z",
        "Caught it before dispatch: the new address is on the label. Tracking will follow by email.",
        "Caught it before dispatch"),
      C(PRIYA, False, "2025-06-09T08:41:30Z", "Updated the address in Shopify and ShipStation.",
        "Shopify and ShipStation"),
  ])

# Only in the API dump: a test ticket Mara created and deleted the same day (incremental exports keep deleted
# tickets, with status "deleted"; the Admin Center export does not list them).
T(1213, subject="Test ticket, please ignore", requester=ADMIN, submitter=ADMIN, assignee=ADMIN, org=None,
  group=None, type=None, priority="low", status="deleted", created="2025-06-11T08:00:00Z",
  updated="2025-06-11T08:00:00Z", generated="2025-06-11T08:03:12Z", via=WEB_VIA, tags=[],
  satisfaction={"score": "unoffered"}, fields={}, dump_only=True,
  comments=[C(ADMIN, True, "2025-06-11T08:00:00Z", "Testing the new web form layout.", "new web form layout")])


def html_body(body, extra=None):
    paras = "".join(f'<p dir="auto">{html.escape(p, quote=False).replace(chr(10), "<br>")}</p>'
                    for p in body.split("\n\n"))
    return f'<div class="zd-comment" dir="auto">{paras}{extra or ""}</div>'


def comment_object(tid, k, c):
    author = c["author"]
    if c["channel"] == "email":
        who = CARLA if author == CARLA_ID else U[author]
        via, meta = email_via(who["name"], who["email"]), email_meta(tid, k)
    else:
        via, meta = copy.deepcopy(WEB_VIA), web_meta(c["ip"], c["city"])
    return {"id": audit_id(tid, k) + 20, "type": "Comment", "author_id": author, "body": c["body"],
            "html_body": html_body(c["body"], c["html_extra"]), "plain_body": c["body"], "public": c["public"],
            "attachments": [attachment_object(a) for a in c["atts"]], "audit_id": audit_id(tid, k), "via": via,
            "created_at": c["created"], "metadata": meta}


def comments_of(tid):
    return [comment_object(tid, k, c) for k, c in enumerate(TICKETS[tid]["comments"])]


def custom_field_values(t):
    out = []
    for fid in FIELD_ORDER:
        default = False if CUSTOM_FIELDS[fid][1] == "checkbox" else None
        out.append({"id": fid, "value": t["fields"].get(fid, default)})
    return out


def ticket_object(tid, version=None):
    t = dict(TICKETS[tid])
    if version == "earlier":
        t.update(t["earlier"])
    description = t["description"] if t["comments"] == [] else t["comments"][0]["body"]
    sat = t["satisfaction"]
    if "id" in sat:
        sat = {"score": sat["score"], "id": sat["id"], "comment": sat["comment"]}
    cf = custom_field_values(t)
    generated = t.get("generated", t["updated"])
    return {
        "url": f"{API}/tickets/{tid}.json", "id": tid, "external_id": None, "via": copy.deepcopy(t["via"]),
        "created_at": t["created"], "updated_at": t["updated"], "generated_timestamp": epoch(generated),
        "type": t["type"], "subject": t["subject"], "raw_subject": t["subject"], "description": description,
        "priority": t["priority"], "status": t["status"], "recipient": SUPPORT_ADDRESS if
        t["via"]["channel"] == "email" else None, "requester_id": t["requester"], "submitter_id": t["submitter"],
        "assignee_id": t["assignee"], "organization_id": t["org"], "group_id": t["group"],
        "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None,
        "problem_id": None, "has_incidents": False, "is_public": any(c["public"] for c in t["comments"]) or
        not t["comments"], "due_at": t.get("due"), "tags": sorted(t["tags"]), "custom_fields": cf,
        "satisfaction_rating": sat, "sharing_agreement_ids": [], "custom_status_id": t.get("custom_status"),
        "encoded_id": encoded_id(tid), "fields": copy.deepcopy(cf),
        "followup_ids": [1209] if tid == 1198 else [], "ticket_form_id": FORM_ID, "brand_id": BRAND_ID,
        "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
    }


FULL_TICKETS = [tid for tid in sorted(TICKETS) if not TICKETS[tid].get("dump_only")]

# --------------------------------------------------------------------------------------------------------------
# Audits (API dump): tickets 1202 (also in a comment page: same comment ids) and 1206 (audits only)
# --------------------------------------------------------------------------------------------------------------

TRIGGER_RECEIVED = {"channel": "rule", "source": {"to": {}, "from": {"deleted": False, "title":
                    "Notify requester and CCs of received request", "id": 360092110001, "revision_id": 3},
                    "rel": "trigger"}}
TRIGGER_ASSIGNEE = {"channel": "rule", "source": {"to": {}, "from": {"deleted": False, "title":
                    "Notify assignee of comment update", "id": 360092110004, "revision_id": 1}, "rel": "trigger"}}


def comment_event(tid, k):
    """A Comment event as the audits API shows it: no created_at (the audit has it) and no via of its own."""
    c = comment_object(tid, k, TICKETS[tid]["comments"][k])
    return {"id": c["id"], "type": "Comment", "author_id": c["author_id"], "body": c["body"],
            "html_body": c["html_body"], "plain_body": c["plain_body"], "public": c["public"],
            "attachments": c["attachments"], "audit_id": c["audit_id"]}


def audit(tid, k, author, created, events, via=None, meta=None):
    return {"id": audit_id(tid, k), "ticket_id": tid, "created_at": created, "author_id": author,
            "metadata": meta or web_meta("198.51.100.23", "Denver"), "via": via or copy.deepcopy(WEB_VIA),
            "events": events}


def ev_id(tid, k, i):
    return audit_id(tid, k) + 40 + 20 * i


def create_events(tid, k, pairs):
    return [{"id": ev_id(tid, k, i), "type": "Create", "field_name": f, "value": v} for i, (f, v) in enumerate(pairs)]


def change_events(tid, k, triples, start=0):
    return [{"id": ev_id(tid, k, start + i), "type": "Change", "field_name": f, "value": v, "previous_value": p}
            for i, (f, v, p) in enumerate(triples)]


def notification(tid, k, via, subject, body, recipients):
    return {"id": audit_id(tid, k) + 180, "type": "Notification", "via": via, "subject": subject, "body": body,
            "recipients": recipients}


def audits_1202():
    t, c = 1202, TICKETS[1202]["comments"]
    aiko_meta = web_meta("203.0.113.88", "Breckenridge")
    return [
        audit(t, 0, 390577201012, c[0]["created"],
              [comment_event(t, 0)] + create_events(t, 0, [
                  ("subject", "Group ride rental: 6 gravel bikes for Saturday 15 March"),
                  ("requester_id", "390577201012"), ("status", "new"), ("priority", "normal"), ("type", "task"),
                  ("organization_id", str(O_MARMOT)), ("tags", ["gravel", "group_rental"]),
                  ("custom_fields_27642", "bike_gravel")]) +
              [notification(t, 0, TRIGGER_RECEIVED, "[Request received] {{ticket.title}}",
                            "Your request ({{ticket.id}}) has been received and is being reviewed by our support "
                            "staff.", [390577201012])], meta=aiko_meta),
        audit(t, 1, PRIYA, c[1]["created"],
              [comment_event(t, 1)] + change_events(t, 1, [
                  ("status", "open", "new"), ("assignee_id", str(PRIYA), None),
                  ("group_id", str(GROUP_RENTALS), None), ("priority", "high", "normal"),
                  ("due_at", "2025-03-15T08:00:00Z", None), ("custom_fields_27648", ["svc_rental"], None)])),
        audit(t, 2, PRIYA, c[2]["created"],
              [comment_event(t, 2)] + change_events(t, 2, [("custom_fields_360012345680", "6", None),
                                                           ("custom_fields_360012345681", "228.00", None)])),
        audit(t, 3, 390577201012, c[3]["created"],
              [comment_event(t, 3), notification(t, 3, TRIGGER_ASSIGNEE, "[{{ticket.account}}] Re: {{ticket.title}}",
                                                 "{{ticket.latest_comment_html}}", [PRIYA])], meta=aiko_meta),
    ]


def audits_1206():
    t, c = 1206, TICKETS[1206]["comments"]
    olivia_meta = web_meta("203.0.113.140", "Boulder")
    return [
        audit(t, 0, 390577201020, c[0]["created"],
              [comment_event(t, 0)] + create_events(t, 0, [
                  ("subject", "Frame warranty claim: cracked chainstay"), ("requester_id", "390577201020"),
                  ("status", "new"), ("priority", "normal"), ("type", "problem"), ("tags", ["frame", "warranty"]),
                  ("custom_fields_27642", "bike_gravel"), ("custom_fields_360012345679", "2023-05-27")]) +
              [notification(t, 0, TRIGGER_RECEIVED, "[Request received] {{ticket.title}}",
                            "Your request ({{ticket.id}}) has been received and is being reviewed by our support "
                            "staff.", [390577201020])], meta=olivia_meta),
        audit(t, 1, THEO, c[1]["created"],
              [comment_event(t, 1)] + change_events(t, 1, [
                  ("status", "open", "new"), ("assignee_id", str(THEO), None),
                  ("group_id", str(GROUP_WARRANTY), None), ("priority", "high", "normal"),
                  ("custom_fields_360012345683", "WTU291C8842K", None)])),
        audit(t, 2, THEO, c[2]["created"],
              [comment_event(t, 2)] + change_events(t, 2, [
                  ("status", "hold", "open"), ("custom_status_id", str(STATUS_WAITING_ON_PARTS), "360011220002"),
                  ("custom_fields_360012345678", "true", "false"), ("custom_fields_360012345680", "1", None)])),
    ]


# --------------------------------------------------------------------------------------------------------------
# Incremental ticket events (API dump): ticket 1208, with include=comment_events
# --------------------------------------------------------------------------------------------------------------

def child(tid, k, i, via, **fields):
    return {"id": ev_id(tid, k, i), "via": via, "via_reference_id": None, **fields}


def comment_child(tid, k):
    """A Comment child event (comment_events sideload): a comment object with its own created_at and a `via`
    object, while the other child events and the parent event carry `via` as a display string."""
    c = comment_object(1208, k, TICKETS[tid]["comments"][k])
    return {"id": c["id"], "via": c["via"], "via_reference_id": None, "type": "Comment", "author_id": c["author_id"],
            "body": c["body"], "html_body": c["html_body"], "plain_body": c["plain_body"], "public": c["public"],
            "attachments": c["attachments"], "audit_id": c["audit_id"], "created_at": c["created_at"],
            "event_type": "Comment"}


def ticket_events_1208():
    t, c = 1208, TICKETS[1208]["comments"]
    ingrid = {"client": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/124.0.0.0 Safari/537.36", "location": "Fort Collins, CO, United States",
              "latitude": 40.5853, "longitude": -105.0844}
    theo = {"client": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                      "Version/17.4 Safari/605.1.15", "location": "Denver, CO, United States",
            "latitude": 39.7392, "longitude": -104.9903}

    def event(k, updater, created, system, children):
        return {"id": audit_id(t, k), "ticket_id": t, "timestamp": epoch(created), "created_at": created,
                "updater_id": updater, "via": "Web form", "system": system, "metadata": {"custom": {}},
                "event_type": "Audit", "child_events": children}

    return [
        event(0, 390577201022, c[0]["created"], ingrid, [
            comment_child(t, 0),
            child(t, 0, 0, "Web form", subject=TICKETS[t]["subject"], event_type="Create"),
            child(t, 0, 1, "Web form", requester_id=390577201022, event_type="Create"),
            child(t, 0, 2, "Web form", status="new", event_type="Create"),
            child(t, 0, 3, "Web form", priority="normal", event_type="Create"),
            child(t, 0, 4, "Web form", type="question", event_type="Create"),
            child(t, 0, 5, "Web form", tags=["helmets", "school"], added_tags=["helmets", "school"],
                  removed_tags=[], event_type="Create"),
        ]),
        event(1, THEO, c[1]["created"], theo, [
            comment_child(t, 1),
            child(t, 1, 0, "Web form", status="open", event_type="Change"),
            child(t, 1, 1, "Web form", assignee_id=THEO, event_type="Change"),
            child(t, 1, 2, "Web form", tags=["helmets", "quote", "school"], added_tags=["quote"], removed_tags=[],
                  event_type="Change"),
        ]),
        event(2, 390577201022, c[2]["created"], ingrid, [comment_child(t, 2)]),
        event(3, THEO, c[3]["created"], theo, [comment_child(t, 3)]),
    ]


# --------------------------------------------------------------------------------------------------------------
# Expected migration result
# --------------------------------------------------------------------------------------------------------------

def expected_value(fid, raw):
    title, ftype, options = CUSTOM_FIELDS[fid]
    names = {v: n for _, n, v in options} if options else {}
    if ftype == "tagger":
        return names[raw]
    if ftype == "multiselect":
        return [names[v] for v in raw]
    if ftype == "integer":
        return int(raw)
    if ftype == "decimal":
        return float(raw)
    return raw  # checkbox bool, date "YYYY-MM-DD", text, regexp


def expected(ticket_ids):
    customers = {}
    for row in USER_ROWS:
        uid, name, email, role = row[0], row[1], row[2], row[4]
        if role != "end-user":
            continue
        customers[str(uid)] = {"email": email.strip().lower(), "name": name} if email else {"rejected": "no email"}
    memberships = sorted([str(u), str(o)] for _, u, o, _, _ in MEMBERSHIPS
                         if U[u]["role"] == "end-user" and "email" in customers[str(u)])
    tickets = {}
    for tid in ticket_ids:
        t = TICKETS[tid]
        if t["status"] == "deleted":
            tickets[str(tid)] = {"skipped": "deleted"}
            continue
        if t["comments"]:
            messages = []
            for c, obj in zip(t["comments"], comments_of(tid)):
                contains = [c["phrase"]] + [a["content_url"] for a in obj["attachments"]]
                if c["html_extra"] and PICKLIST_URL not in contains:
                    contains.append(PICKLIST_URL)
                messages.append({"commentId": str(obj["id"]), "public": c["public"], "createdAt": c["created"],
                                 "contains": contains})
            messages.sort(key=lambda m: m["createdAt"])
        else:
            messages = [{"commentId": None, "public": True, "createdAt": t["created"],
                         "contains": [t["description_phrase"]]}]
        requester = CARLA if t["requester"] == CARLA_ID else U[t["requester"]]
        fields = {}
        for cf in custom_field_values(t):
            if cf["value"] is not None:
                fields[CUSTOM_FIELDS[cf["id"]][0]] = expected_value(cf["id"], cf["value"])
        out = {"subject": t["subject"], "status": t["status"], "priority": t["priority"],
               "requesterName": requester["name"], "messages": messages, "customFields": fields}
        if t["satisfaction"].get("comment"):
            out["satisfactionComment"] = t["satisfaction"]["comment"]
        if t["group"]:
            out["zendeskGroupId"] = str(t["group"])
        if t.get("custom_status"):
            out["customStatusId"] = str(t["custom_status"])
        tickets[str(tid)] = out
    return {"customers": customers, "memberships": memberships, "tickets": tickets}


# --------------------------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------------------------

def page(key, items, next_page=None, previous_page=None, count=None):
    return {key: items, "next_page": next_page, "previous_page": previous_page,
            "count": len(items) if count is None else count}


def full_layout():
    files = {}
    users = [user_object(r) for r in USER_ROWS]
    files["users.json"] = "".join(dumps(u) + "\n" for u in users)
    files["organizations.json"] = "".join(dumps(org_object(o)) + "\n" for o in ORGS)
    lines = []
    for tid in sorted(FULL_TICKETS, key=lambda i: TICKETS[i]["created"]):
        obj = ticket_object(tid)
        obj["comments"] = comments_of(tid)
        lines.append(dumps(obj) + "\n")
    files["tickets.json"] = "".join(lines)
    files["ticket_fields.json"] = dumps(page("ticket_fields", build_ticket_fields())) + "\n"
    files["user_fields.json"] = dumps(page("user_fields", build_user_fields())) + "\n"
    files["organization_fields.json"] = dumps(page("organization_fields", build_org_fields())) + "\n"
    files["organization_memberships.json"] = dumps(page("organization_memberships",
                                                        [membership_object(m) for m in MEMBERSHIPS])) + "\n"
    files["expected.json"] = json.dumps(expected(FULL_TICKETS), ensure_ascii=False, indent=2) + "\n"
    return files


DUMP_START = "2025-02-01T00:00:00Z"  # the dump script's incremental start_time (ticket 1198 is older)


def dump_layout():
    files = {}
    users = [user_object(r) for r in USER_ROWS]
    first, second = users[:10], users[10:]
    files["users-001.json"] = dumps(page("users", first, f"{API}/users.json?page=2&per_page=10", None,
                                         len(users))) + "\n"
    files["users-002.json"] = dumps(page("users", second, None, f"{API}/users.json?page=1&per_page=10",
                                         len(users))) + "\n"
    files["organizations.json"] = dumps(page("organizations", [org_object(o) for o in ORGS])) + "\n"
    files["organization_memberships.json"] = dumps(page("organization_memberships",
                                                        [membership_object(m) for m in MEMBERSHIPS])) + "\n"
    files["ticket_fields.json"] = dumps(page("ticket_fields", build_ticket_fields())) + "\n"
    files["user_fields.json"] = dumps(page("user_fields", build_user_fields())) + "\n"

    # Time-based incremental pages. Page 1 was fetched before Priya touched 1203 during the run, so it holds
    # 1203's earlier version; page 2 (start_time = page 1's end_time) holds it again with a later updated_at.
    versions = [(tid, "earlier" if tid == 1203 else None) for tid in TICKETS if tid != 1198]
    versions.append((1203, None))
    objs = [ticket_object(tid, v) for tid, v in versions]
    stream = sorted((o for o in objs if not (o["id"] == 1203 and o["status"] == "pending")),
                    key=lambda o: (o["generated_timestamp"], o["id"]))
    page1 = [o for o in stream if o["generated_timestamp"] <= epoch("2025-04-30T20:00:07Z")]
    page2 = [o for o in stream if o not in page1] + [ticket_object(1203)]
    page2.sort(key=lambda o: (o["generated_timestamp"], o["id"]))
    end1, end2 = page1[-1]["generated_timestamp"], page2[-1]["generated_timestamp"]
    files["incremental-tickets-001.json"] = dumps({
        "tickets": page1, "next_page": f"{API}/incremental/tickets.json?start_time={end1}", "count": len(page1),
        "end_of_stream": False, "end_time": end1}) + "\n"
    files["incremental-tickets-002.json"] = dumps({
        "tickets": page2, "next_page": f"{API}/incremental/tickets.json?start_time={end2}", "count": len(page2),
        "end_of_stream": True, "end_time": end2}) + "\n"

    # 1198 was last updated before the incremental start_time: fetched on its own (it is 1209's follow-up source).
    files["ticket-1198.json"] = dumps({"ticket": ticket_object(1198)}) + "\n"

    # Per-ticket comment pages, in the two file-name layouts dump scripts use. Comment pages carry no ticket_id.
    for tid in (1201, 1202, 1205, 1209, 1211):
        files[f"ticket_comments-{tid}.json"] = dumps(page("comments", comments_of(tid))) + "\n"
    for tid in (1198, 1203, 1204, 1210, 1212):
        files[f"tickets/{tid}/comments.json"] = dumps(page("comments", comments_of(tid))) + "\n"
    files["ticket_audits-1202.json"] = dumps(page("audits", audits_1202())) + "\n"
    files["ticket_audits-1206.json"] = dumps(page("audits", audits_1206())) + "\n"

    events = ticket_events_1208()
    end_ev = events[-1]["timestamp"]
    files["incremental-ticket_events-001.json"] = dumps({
        "ticket_events": events,
        "next_page": f"{API}/incremental/ticket_events.json?include=comment_events&start_time={end_ev}",
        "count": len(events), "end_of_stream": False, "end_time": end_ev}) + "\n"
    files["expected.json"] = json.dumps(expected(sorted(TICKETS)), ensure_ascii=False,
                                        indent=2) + "\n"
    return files


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------

def check(cond, msg):
    if not cond:
        raise SystemExit(f"validation failed: {msg}")


def validate(full, dump):
    # Every file parses; NDJSON files line by line, API pages as exactly one line.
    ndjson = {"users.json", "organizations.json", "tickets.json"}
    parsed = {}
    for layout, files in (("full", full), ("dump", dump)):
        for name, text in files.items():
            check(text.endswith("\n"), f"{layout}/{name} ends with a newline")
            if name == "expected.json":
                parsed[(layout, name)] = json.loads(text)
            elif layout == "full" and name in ndjson:
                parsed[(layout, name)] = [json.loads(line) for line in text.splitlines()]
            else:
                check(text.count("\n") == 1, f"{layout}/{name} is one line")
                parsed[(layout, name)] = json.loads(text)

    users = {u["id"]: u for u in parsed[("full", "users.json")]}
    orgs = {o["id"] for o in parsed[("full", "organizations.json")]}
    dump_users = parsed[("dump", "users-001.json")]["users"] + parsed[("dump", "users-002.json")]["users"]
    check([u["id"] for u in dump_users] == list(users), "dump users equal the full export's users")
    check(parsed[("dump", "users-001.json")]["next_page"].endswith("page=2&per_page=10"), "users page 1 links to 2")
    check(parsed[("dump", "users-002.json")]["next_page"] is None, "last users page has next_page null")
    check(len(users) == 20 and sum(u["role"] != "end-user" for u in users.values()) == 3, "20 users, 3 staff")
    check(sum(u["email"] is None for u in users.values()) == 1, "one phone-only user")
    for u in users.values():
        check(u["organization_id"] is None or u["organization_id"] in orgs, f"user {u['id']} org exists")
    mships = parsed[("full", "organization_memberships.json")]["organization_memberships"]
    for m in mships:
        check(m["user_id"] in users and m["organization_id"] in orgs, f"membership {m['id']} ends exist")
    two = [uid for uid in users if sum(m["user_id"] == uid for m in mships) == 2]
    check(two == [390577201012], "exactly one user in two organizations")

    field_ids = {f["id"] for f in parsed[("full", "ticket_fields.json")]["ticket_fields"]}
    tickets = {t["id"]: t for t in parsed[("full", "tickets.json")]}
    check(len(tickets) == 13, "13 tickets in the full export")
    for t in tickets.values():
        check(t["requester_id"] in users or t["id"] == 1205, f"ticket {t['id']} requester exists")
        check(t["assignee_id"] is None or users[t["assignee_id"]]["role"] != "end-user", "assignees are staff")
        check(t["organization_id"] is None or t["organization_id"] in orgs, f"ticket {t['id']} org exists")
        check({cf["id"] for cf in t["custom_fields"]} <= field_ids, f"ticket {t['id']} custom fields defined")
        check(t["custom_fields"] == t["fields"], "fields mirrors custom_fields")
        if t["comments"]:
            check(t["description"] == t["comments"][0]["body"], f"ticket {t['id']} description = first comment")
            created = [c["created_at"] for c in t["comments"]]
            check(created == sorted(created), f"ticket {t['id']} comments chronological")
            check(t["created_at"] == created[0], f"ticket {t['id']} created with its first comment")
        for c in t["comments"]:
            check(c["author_id"] in users or c["author_id"] == CARLA_ID, f"comment {c['id']} author")
            check("ticket_id" not in c, "comments carry no ticket_id")
    check(tickets[1205]["requester_id"] not in users and tickets[1205]["via"]["source"]["from"]["name"],
          "1205 requester only in via.source.from")
    check(tickets[1207]["comments"] == [], "1207 has no comments")
    check(tickets[1204]["priority"] is None, "1204 priority null")
    check(sum(t["custom_status_id"] is not None for t in tickets.values()) == 1, "one custom_status_id")
    check(any("<img src=\"" + PICKLIST_URL in c["html_body"] for c in tickets[1203]["comments"]), "inline image")

    # Dump: incremental pages, duplicates, deleted ticket, one source per ticket's comments.
    p1, p2 = parsed[("dump", "incremental-tickets-001.json")], parsed[("dump", "incremental-tickets-002.json")]
    check(p1["end_of_stream"] is False and p2["end_of_stream"] is True, "end_of_stream flags")
    check(p1["next_page"].endswith(f"start_time={p1['end_time']}"), "page 1 next_page uses end_time")
    check(p1["count"] == len(p1["tickets"]) and p2["count"] == len(p2["tickets"]), "counts")
    ids1, ids2 = [t["id"] for t in p1["tickets"]], [t["id"] for t in p2["tickets"]]
    check(set(ids1) & set(ids2) == {1203}, "only 1203 appears on both pages")
    a = next(t for t in p1["tickets"] if t["id"] == 1203)
    b = next(t for t in p2["tickets"] if t["id"] == 1203)
    check(b["updated_at"] > a["updated_at"] and a["subject"] != b["subject"] and a["status"] != b["status"],
          "1203's second copy is later and differs")
    check(b == {k: v for k, v in tickets[1203].items() if k != "comments"}, "the later copy is the full export's")
    check([t["status"] for t in p2["tickets"] if t["id"] == 1213] == ["deleted"], "1213 deleted")
    single = parsed[("dump", "ticket-1198.json")]["ticket"]
    check(single["id"] == 1198 and 1198 not in ids1 + ids2, "1198 only as a single-ticket response")
    check(single["updated_at"] < DUMP_START, "1198 predates the incremental start_time")

    sources = {}
    for (layout, name), data in parsed.items():
        if layout != "dump":
            continue
        if name.startswith("ticket_comments-") or (name.startswith("tickets/") and name.endswith("/comments.json")):
            tid = int(name.split("-")[1].split(".")[0]) if name.startswith("ticket_comments-") else \
                int(name.split("/")[1])
            sources.setdefault(tid, []).append(("comments", [c["id"] for c in data["comments"]]))
            for c in data["comments"]:
                check("ticket_id" not in c, "comment pages carry no ticket_id")
                check(c["author_id"] in users or c["author_id"] == CARLA_ID, f"comment {c['id']} author")
        elif name.startswith("ticket_audits-"):
            tid = int(name.split("-")[1].split(".")[0])
            ids = []
            for au in data["audits"]:
                check(au["ticket_id"] == tid, "audit ticket_id")
                for e in au["events"]:
                    if e["type"] == "Comment":
                        check("created_at" not in e and e["audit_id"] == au["id"], "Comment event shape")
                        ids.append(e["id"])
            sources.setdefault(tid, []).append(("audits", ids))
        elif name == "incremental-ticket_events-001.json":
            for ev in data["ticket_events"]:
                ids = [c["id"] for c in ev["child_events"] if c.get("event_type") == "Comment"]
                check(all(c["audit_id"] == ev["id"] for c in ev["child_events"] if c.get("event_type") == "Comment"),
                      "comment child audit_id = event id")
                sources.setdefault(ev["ticket_id"], []).append(("events", ids))
    for tid, t in TICKETS.items():
        srcs = sources.get(tid, [])
        want = [c["id"] for c in comments_of(tid)]
        if tid in (1207, 1213):
            check(srcs == [], f"ticket {tid} has no comment source")
        elif tid == 1202:
            check(sorted(s for s, _ in srcs) == ["audits", "comments"] and all(ids == want for _, ids in srcs),
                  "1202: same comment ids in its comment page and its audits")
        elif tid == 1208:
            check({s for s, _ in srcs} == {"events"} and sum((ids for _, ids in srcs), []) == want, "1208 events")
        else:
            check(len(srcs) == 1 and srcs[0][1] == want, f"ticket {tid} comments from exactly one source")

    # Expected files agree with the data.
    ef, ed = parsed[("full", "expected.json")], parsed[("dump", "expected.json")]
    check(set(ef["tickets"]) == {str(i) for i in tickets}, "expected tickets = full export tickets")
    check(set(ed["tickets"]) == {str(i) for i in TICKETS} and ed["tickets"]["1213"] == {"skipped": "deleted"},
          "dump expected")
    check({k: v for k, v in ed["tickets"].items() if k != "1213"} == ef["tickets"], "both layouts expect the same")
    check(ef["customers"] == ed["customers"] and ef["memberships"] == ed["memberships"], "same customers")
    for tid, exp in ef["tickets"].items():
        objs = {str(c["id"]): c for c in tickets[int(tid)]["comments"]}
        check(len(exp["messages"]) == max(1, len(objs)), f"{tid} one message per comment")
        for m in exp["messages"]:
            c = objs.get(m["commentId"]) if m["commentId"] else None
            text = (c["body"] + c["html_body"] + "".join(a["content_url"] for a in c["attachments"])) if c \
                else tickets[int(tid)]["description"]
            for piece in m["contains"]:
                check(piece in text, f"{tid}: {piece!r} appears in its comment")
    size = sum(len(t.encode()) for t in list(full.values()) + list(dump.values()))
    check(size < 300_000, f"total size {size} < 300 KB")
    return size


def main():
    full, dump = full_layout(), dump_layout()
    size = validate(full, dump)
    targets = [("zendesk-full", full), ("zendesk-dump", dump)]
    if "--check" in sys.argv:
        stale = [f"{d}/{n}" for d, files in targets for n, text in files.items()
                 if not os.path.exists(os.path.join(HERE, d, n)) or
                 open(os.path.join(HERE, d, n), encoding="utf-8").read() != text]
        if stale:
            raise SystemExit("out of date: " + ", ".join(stale))
        print(f"up to date ({size} bytes of data)")
        return
    for d, files in targets:
        for name, text in files.items():
            path = os.path.join(HERE, d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
    print(f"wrote {sum(len(f) for _, f in targets)} files, {size} bytes; validation passed")


if __name__ == "__main__":
    main()
