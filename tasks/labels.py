"""newsmill's entity types, and the one mapping from model and corpus labels to them.

Every place that names an entity type - the enricher, the speaker path, the loader, the marts'
SQL (``warehouse/migrations``, ``warehouse/sql``) and the dashboard - uses the values of
:class:`EntityType`; ``tests/test_labels.py`` checks that every type literal in the SQL is one of
them. The four main types:

- ``PERSON``: people, real or fictional.
- ``ORG``: companies, agencies, institutions, parties as organisations, teams and clubs.
- ``PLACE``: countries, cities, regions, geographic features and facilities - a country is a
  place whatever role it plays in a sentence ("Japan said ..."), as news corpora annotate it.
- ``NORP``: nationalities, religious and political groups ("American", "Muslims", "Democrats"),
  never an organisation.

The model's other labels that name things (events, products, laws, works, languages) keep their
own types; numbers, dates and quantities are not entities (``from_model`` returns None).
"""

from __future__ import annotations

from enum import StrEnum


class EntityType(StrEnum):
    PERSON = "PERSON"
    ORG = "ORG"
    PLACE = "PLACE"
    NORP = "NORP"
    EVENT = "EVENT"
    PRODUCT = "PRODUCT"
    LAW = "LAW"
    WORK_OF_ART = "WORK_OF_ART"
    LANGUAGE = "LANGUAGE"


PERSON, ORG, PLACE, NORP = EntityType.PERSON, EntityType.ORG, EntityType.PLACE, EntityType.NORP

# The types newsmill canonicalises, ranks in the marts and links across articles.
MAIN_TYPES: tuple[EntityType, ...] = (PERSON, ORG, PLACE, NORP)
# The types named-entity benchmarks score (CoNLL PER/ORG/LOC, GUM person/organization/place).
SCORED_TYPES: tuple[EntityType, ...] = (PERSON, ORG, PLACE)

# Model and corpus label -> newsmill type. spaCy (OntoNotes): GPE, LOC and FAC are places.
# CoNLL-2003 (PER, LOC) and GUM (person, organization, place) are read through the same table.
_MODEL_LABELS: dict[str, EntityType] = {
    "PERSON": PERSON, "PER": PERSON,
    "ORG": ORG, "ORGANIZATION": ORG, "ORGANISATION": ORG,
    "GPE": PLACE, "LOC": PLACE, "FAC": PLACE, "PLACE": PLACE, "LOCATION": PLACE,
    "NORP": NORP,
    "EVENT": EntityType.EVENT, "PRODUCT": EntityType.PRODUCT, "LAW": EntityType.LAW,
    "WORK_OF_ART": EntityType.WORK_OF_ART, "LANGUAGE": EntityType.LANGUAGE,
}

# What the dashboard and docs call a type's entities, in the plural.
PLURAL: dict[EntityType, str] = {PERSON: "People", ORG: "Organisations", PLACE: "Places",
                                 NORP: "Nationalities and groups"}

# One preferred type when a single name has mentions of two types in equal number. Countries and
# other places from the place list are PLACE before any vote (tasks/entities.py); a name the
# model calls a place as often as an organisation is more often an organisation ("Scientology",
# a club named after its town) - measured on GUM, neutral on CoNLL-2003 dev; a word the model
# calls a nationality as often as an organisation is a nationality ("Nigerian"). The warehouse
# breaks ties between articles in the same order (warehouse/sql/enrich.sql, type_votes).
TIE_ORDER: dict[EntityType, int] = {PERSON: 3, NORP: 2, ORG: 1, PLACE: 0}


def from_model(label: str | None) -> EntityType | None:
    """The newsmill type of a model or corpus label (``"GPE"`` -> ``PLACE``, ``"person"`` ->
    ``PERSON``), or None for labels that are not entities newsmill keeps (DATE, MONEY, ...)."""
    if not label:
        return None
    return _MODEL_LABELS.get(label.upper())


def spacy_label(t: EntityType | str) -> str:
    """The spaCy label that produces type ``t`` (an EntityRuler pattern needs the model's
    vocabulary: PLACE is written GPE)."""
    t = EntityType(t)
    return "GPE" if t is PLACE else t.value
