"""One stored classification, translated for each target: the one table of how the schemes
a decision is recorded in relate to each other.

What a decision stores today (casework.cases.vocabulary.clean_labels), per media item:
``industry`` (A1, A2, B1, B2 or ""), ``iwf`` (A, B, C or "") and NCMEC file ``annotations``.
The targets:

- The industry classification (``industry``): the two-by-two grid the Tech Coalition and
  NCMEC use for industry hash sharing and CyberTipline reports. The letter is the child's
  apparent development (A: prepubescent, B: pubescent), the digit what the image shows
  (1: a sex act, 2: a lascivious exhibition, the US federal term of 18 U.S.C. 2256).
- The UK categories (``uk``): A, B and C of the Sentencing Council's guideline for indecent
  photographs of children (England and Wales), the grading the IWF and UK police use.
  A: penetrative sexual activity, sexual activity with an animal, or sadism; B: non-penetrative
  sexual activity; C: other indecent images not in A or B. They say nothing of the child's age.
- INTERPOL's "baseline" (``interpol``): INTERPOL's Baseline list holds material its
  specialists judge illegal in any country, with strict criteria on severity, for example
  children believed to be 13 or under. As the criteria are usually summarised: a real child,
  prepubescent, in a sexual act or with the focus on the genital or anal region. Everything
  else is "national" (the word hotlines use beside "baseline"): whether it is illegal
  depends on the country's law. Check INTERPOL's current text before relying on a row.

The table translates only what the definitions imply. Where a scheme draws a line the other
does not (the industry "sex act" holds both UK A and B; UK categories carry no age, so no
baseline follows from them alone), it says what is possible and that a person must grade it,
instead of guessing. This is a working translation for routing and packaging, not legal
advice: the receiving hotline or police force grades under its own law.
"""

from __future__ import annotations

from dataclasses import dataclass

BASELINE = "baseline"
NATIONAL = "national"
UNDETERMINED = ""  # the stored classification does not decide it
# Annotations that say the child may not be real: INTERPOL's baseline requires a real child.
NOT_A_REAL_CHILD = ("generativeAi", "animeDrawingVirtualHentai")


@dataclass(frozen=True)
class Row:
    """One stored value and what it is in every scheme (a tuple: the values it may be)."""

    scheme: str  # the scheme the stored value is in: "industry" or "uk"
    code: str
    meaning: str
    industry: tuple[str, ...]
    uk: tuple[str, ...]
    interpol: str


TABLE: tuple[Row, ...] = (
    Row("industry", "A1", "prepubescent child, sex act", ("A1",), ("A", "B"), BASELINE),
    Row("industry", "A2", "prepubescent child, lascivious exhibition", ("A2",), ("C",), BASELINE),
    Row("industry", "B1", "pubescent child, sex act", ("B1",), ("A", "B"), NATIONAL),
    Row("industry", "B2", "pubescent child, lascivious exhibition", ("B2",), ("C",), NATIONAL),
    Row(
        "uk",
        "A",
        "penetrative sexual activity, sexual activity with an animal, or sadism",
        ("A1", "B1"),
        ("A",),
        UNDETERMINED,
    ),
    Row("uk", "B", "non-penetrative sexual activity", ("A1", "B1"), ("B",), UNDETERMINED),
    # C is wider than "lascivious exhibition": some C images fall under no industry code.
    Row(
        "uk",
        "C",
        "other indecent images, no sexual activity",
        ("A2", "B2", ""),
        ("C",),
        UNDETERMINED,
    ),
)
ROWS = {(row.scheme, row.code): row for row in TABLE}


def translate(industry: str = "", uk: str = "", annotations: tuple[str, ...] = ()) -> dict:
    """One media item's stored classification in every scheme: each a code, or "" with the
    codes it may be (`*_possible`) when the stored values do not decide it, plus notes (a
    conflict between the stored values, a grading still to make)."""
    from_industry = ROWS.get(("industry", industry))
    from_uk = ROWS.get(("uk", uk))
    notes: list[str] = []
    industry_possible = _narrowed(
        [r.industry for r in (from_industry, from_uk) if r], "industry", notes
    )
    uk_possible = _narrowed([r.uk for r in (from_industry, from_uk) if r], "UK", notes)
    interpol = from_industry.interpol if from_industry else UNDETERMINED
    if interpol == BASELINE and set(annotations) & set(NOT_A_REAL_CHILD):
        interpol = NATIONAL
        notes.append("Not baseline: annotated as possibly not a real child.")
    if not from_industry and not from_uk:
        notes.append("No classification stored.")
    elif len(uk_possible) > 1:
        notes.append(f"UK category to be graded: {' or '.join(uk_possible)}.")
    if interpol == UNDETERMINED and (from_industry or from_uk):
        notes.append("INTERPOL baseline undetermined: the child's development is not stored.")
    return {
        "stored": {"industry": industry, "uk": uk, "annotations": list(annotations)},
        "industry": _decided(industry_possible),
        "industry_possible": [c for c in industry_possible if c],
        "uk": _decided(uk_possible),
        "uk_possible": list(uk_possible),
        "interpol": interpol,
        "notes": notes,
    }


def _narrowed(options: list[tuple[str, ...]], scheme: str, notes: list[str]) -> tuple[str, ...]:
    if not options:
        return ()
    if len(options) == 1:
        return options[0]
    both = tuple(c for c in options[0] if c in options[1])
    if not both:
        notes.append(f"The stored values conflict on the {scheme} classification.")
    return both


def _decided(possible: tuple[str, ...]) -> str:
    return possible[0] if len(possible) == 1 else ""
