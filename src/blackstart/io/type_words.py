"""Kinds from the free-text type names CMDBs carry, in French and English.

Owns the word tables that turn a GLPI or iTop type name ("Onduleur", "Groupe
électrogène", "Pare-feu", "Hébergeur"…) or a place name ("CHU Nord") into a component,
provider or site kind. A name matches the first group with a word it contains (lower
case; accented and plain spellings both listed; short words carry spaces so that they
match whole words). Used by :mod:`blackstart.io.glpi` and :mod:`blackstart.io.itop`.
"""

from __future__ import annotations

from typing import Any

#: type-name words (lower case, accents kept and dropped) -> component kind, first match.
PASSIVE_KINDS = (
    (("onduleur", " ups", "ups ", "inverter"), "ups"),
    (("groupe electrogene", "groupe électrogène", "generator", "génératrice", " ge "), "generator"),
    (("clim", "crac", "cooling", "froid", "refroid"), "cooling"),
    (("pdu",), "power"),
    (("tgbt", "tableau", "power", "énergie", "energie"), "power"),
)
COMPUTER_KINDS = (
    (("virtual", "virtuel", " vm "), "vm"),
    (("baie", "storage", "stockage", " san ", " nas "), "storage"),
    (("backup", "sauvegarde"), "backup"),
)
NETWORK_KINDS = (
    (("firewall", "pare-feu", "parefeu"), "firewall"),
    (("router", "routeur"), "router"),
    (("switch", "commutateur"), "switch"),
    (("pbx", "ipbx", "autocom"), "pbx"),
)
SUPPLIER_KINDS = (
    (("hébergeur", "hebergeur", "hosting", "colocation", "datacenter"), "colocation"),
    (("cloud",), "cloud"),
    (("télécom", "telecom", "opérateur", "operateur", "carrier"), "telecom"),
    (("éditeur", "editeur", "software", "logiciel"), "software"),
    (("saas",), "saas"),
    (("énergie", "energie", "energy", "électricité"), "energy"),
    (("matériel", "materiel", "hardware", "constructeur"), "hardware"),
    (("maintenance", "service", "prestataire", "infogérance"), "service"),
)
SITE_WORDS = (
    (("hôpital", "hopital", "hospital", "clinique", " chu ", " ch ", "ehpad"), "hospital"),
    (("datacenter", "data center", "datacentre", "salle serveur"), "datacenter"),
    (("bureau", "office", "siège", "siege"), "office"),
)


def kind_by_words(name: str | None, table: Any, default: str | None) -> str | None:
    """The kind of the first word group found in ``name`` (lower case), else ``default``."""
    low = f" {(name or '').lower()} "
    for words, kind in table:
        if any(w in low for w in words):
            return str(kind)
    return default


#: country names as GLPI's free-text ``country`` holds them -> ISO 3166-1 alpha-2.
COUNTRIES = {
    "france": "FR",
    "royaume-uni": "GB",
    "united kingdom": "GB",
    "uk": "GB",
    "etats-unis": "US",
    "états-unis": "US",
    "usa": "US",
    "united states": "US",
    "allemagne": "DE",
    "germany": "DE",
    "belgique": "BE",
    "belgium": "BE",
    "luxembourg": "LU",
    "suisse": "CH",
    "switzerland": "CH",
    "irlande": "IE",
    "ireland": "IE",
    "pays-bas": "NL",
    "netherlands": "NL",
    "espagne": "ES",
    "spain": "ES",
    "italie": "IT",
    "italy": "IT",
    "chine": "CN",
    "china": "CN",
}


def country_code(text: str | None) -> str | None:
    """``FR`` from ``FR``, ``fr``, ``France`` or ``Royaume-Uni``; ``None`` when unknown."""
    if not text:
        return None
    t = text.strip()
    if len(t) == 2 and t.isalpha():
        return t.upper()
    return COUNTRIES.get(t.lower())
