"""The words a decision is recorded in, defined once: the hotlines' own vocabularies."""

from __future__ import annotations

from typing import Any

from casework.cases.errors import CaseActionRefused
from casework.hotlines.ncmec import documents
from reports import api

INDUSTRY_CLASSIFICATIONS = api.INDUSTRY_CATEGORIES
IWF_CATEGORIES = api.IWF_CATEGORIES
# NCMEC CyberTipline incident types, as its schema lists them.
INCIDENT_TYPES = documents.INCIDENT_TYPES
# NCMEC CyberTipline file annotations, in the order of their keys on the case page (g p i h
# v b l y m o); the documents emit them in the schema's order (documents.FILE_ANNOTATIONS).
FILE_ANNOTATIONS = (
    "generativeAi",
    "possibleSelfProduction",
    "infant",
    "physicalHarm",
    "violenceGore",
    "bestiality",
    "liveStreaming",
    "viral",
    "potentialMeme",
    "animeDrawingVirtualHentai",
)


# For people: each annotation's name on the case page, and the key that toggles it.
ANNOTATION_LABELS = {
    "generativeAi": "Generative AI",
    "possibleSelfProduction": "Possible self-production",
    "infant": "Infant or toddler",
    "physicalHarm": "Physical harm",
    "violenceGore": "Violence or gore",
    "bestiality": "Bestiality",
    "liveStreaming": "Live streaming",
    "viral": "Viral",
    "potentialMeme": "Potential meme",
    "animeDrawingVirtualHentai": "Anime, drawing or virtual",
}
ANNOTATION_KEYS = "gpihvblymo"
INDUSTRY_KEYS = "qwer"
IWF_KEYS = "asd"
# Both CSAM verdicts wait for a second person before anything goes to a hotline: the labels
# on the decision form say so.
SECOND_REVIEW = {
    "csam_confirmed": "CSAM confirmed: a lead reviews it before any hotline report",
    "csam_suspected": "CSAM suspected: a second reviewer decides",
}


def annotation_choices() -> list[tuple[str, str, str]]:
    """(value, label, key) for each annotation, in the keys' order."""
    return [
        (value, ANNOTATION_LABELS[value], key)
        for value, key in zip(FILE_ANNOTATIONS, ANNOTATION_KEYS, strict=True)
    ]


def verdict_choices(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(value, SECOND_REVIEW.get(value, label)) for value, label in choices]


def annotation_label(value: str) -> str:
    return ANNOTATION_LABELS.get(value, value)


def clean_labels(media_labels: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per media id: its industry classification, IWF category and annotations, checked."""
    cleaned: dict[str, dict[str, Any]] = {}
    for media_id, labels in media_labels.items():
        industry = labels.get("industry") or ""
        iwf = labels.get("iwf") or ""
        annotations = sorted(set(labels.get("annotations") or []))
        if industry and industry not in INDUSTRY_CLASSIFICATIONS:
            raise CaseActionRefused(f"Unknown industry classification {industry!r}.")
        if iwf and iwf not in IWF_CATEGORIES:
            raise CaseActionRefused(f"Unknown IWF category {iwf!r}.")
        unknown = set(annotations) - set(FILE_ANNOTATIONS)
        if unknown:
            raise CaseActionRefused(f"Unknown file annotations: {', '.join(sorted(unknown))}.")
        cleaned[str(media_id)] = {"industry": industry, "iwf": iwf, "annotations": annotations}
        segment = labels.get("segment")
        if segment:  # checked by segments.read_segments; kept as [start, end]
            cleaned[str(media_id)]["segment"] = [float(segment[0]), float(segment[1])]
    return cleaned


def check_incident_type(incident_type: str) -> None:
    if incident_type and incident_type not in INCIDENT_TYPES:
        raise CaseActionRefused(f"Unknown incident type {incident_type!r}.")
