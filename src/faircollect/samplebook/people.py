"""Borrowers and their contacts: Chinese names, mobiles, addresses, resident ids.

Names and address parts come from Faker's zh_CN provider lists, sampled with
numpy in one go; Faker itself is never called per row.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from faker.providers.address.zh_CN import Provider as _Address
from faker.providers.person.zh_CN import Provider as _Person
from faker.providers.phone_number.zh_CN import Provider as _Phone

from faircollect.samplebook.catalogue import (
    CONTACT_COUNT_WEIGHT,
    ENGLISH_SHARE,
    REGIONS,
    RELATION_CONSENT,
    RELATION_WEIGHT,
    RELATIONS,
    URUMQI_SHARE,
)
from faircollect.samplebook.sampling import IntArray, ids_for, pick, weighted_choice

_SURNAMES: tuple[str, ...] = tuple(_Person.last_names)
_SURNAME_WEIGHTS: tuple[float, ...] = tuple(float(w) for w in _Person.last_names.values())
_MALE: tuple[str, ...] = tuple(_Person.first_names_male)
_FEMALE: tuple[str, ...] = tuple(_Person.first_names_female)
#: Male given names, then female ones, then the empty string (no second character).
_GIVEN: tuple[str, ...] = (*_MALE, *_FEMALE, "")
_GIVEN_LENGTH = np.array([len(g) for g in _GIVEN], dtype=np.int64)
_SINGLE_MALE = np.array([i for i, g in enumerate(_MALE) if len(g) == 1], dtype=np.int64)
_SINGLE_FEMALE = np.array([len(_MALE) + i for i, g in enumerate(_FEMALE) if len(g) == 1], dtype=np.int64)
_ROMAN: tuple[str, ...] = tuple(
    sorted({n.lower() for n in (*_Person.last_romanized_names, *_Person.first_romanized_names)})
)
_DISTRICTS: tuple[str, ...] = tuple(_Address.districts)
_STREET_STEMS: tuple[str, ...] = tuple(sorted({*_Address.cities, *_SURNAMES[:60]}))
_STREET_SUFFIXES: tuple[str, ...] = tuple(_Address.street_suffixes)
#: Mobile prefixes of the three carriers (Faker's list plus newer 16x/17x/19x ranges).
_MOBILE_PREFIXES: tuple[int, ...] = tuple(
    sorted({int(p) for p in _Phone.phonenumber_prefixes} | {166, 173, 177, 191, 198, 199})
)
_EMAIL_DOMAINS: tuple[str, ...] = (
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "outlook.com",
    "gmail.com",
)
_EMAIL_SHARE = 0.45
_QQ_EMAIL_SHARE = 0.5

#: ISO 7064 MOD 11-2 weights of digits 1..17 of a resident id, and the check characters.
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = ("1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2")
#: Share of borrowers whose id was issued in another province than where they live.
_MIGRANT_SHARE = 0.2


def chinese_names(
    rng: np.random.Generator, count: int, surnames: IntArray | None = None
) -> tuple[pl.Series, IntArray, IntArray]:
    """``count`` full names (surname + one- or two-part given name), their surname indices and sex (1 male)."""
    if surnames is None:
        surnames = weighted_choice(rng, _SURNAME_WEIGHTS, count)
    male = rng.integers(0, 2, size=count).astype(np.int64)
    n_male, n_female = len(_MALE), len(_FEMALE)
    first = np.where(
        male == 1, rng.integers(0, n_male, size=count), n_male + rng.integers(0, n_female, size=count)
    ).astype(np.int64)
    # A one-character given name often gets a second character; a two-character one never does.
    single_m, single_f = _SINGLE_MALE, _SINGLE_FEMALE
    extra = np.where(
        male == 1,
        single_m[rng.integers(0, len(single_m), size=count)],
        single_f[rng.integers(0, len(single_f), size=count)],
    )
    wants = (rng.random(count) < 0.6) & (_GIVEN_LENGTH[first] == 1)
    second = np.where(wants, extra, len(_GIVEN) - 1)
    names = pick(_SURNAMES, surnames) + pick(_GIVEN, first) + pick(_GIVEN, second)
    return names, surnames, male


def mobile_numbers(rng: np.random.Generator, count: int) -> IntArray:
    """Mainland mobile numbers as 11-digit integers ``1[3-9]X........``."""
    prefix = np.asarray(_MOBILE_PREFIXES, dtype=np.int64)[rng.integers(0, len(_MOBILE_PREFIXES), size=count)]
    number: IntArray = prefix * 100_000_000 + rng.integers(0, 100_000_000, size=count)
    return number


def e164(numbers: IntArray) -> pl.Series:
    """Mainland mobile numbers written in E.164: ``+86`` and the 11 digits."""
    return "+86" + pl.Series(numbers).cast(pl.String)


def mobiles(rng: np.random.Generator, count: int) -> pl.Series:
    """E.164 mainland mobiles: ``+86`` and an 11-digit number ``1[3-9]X........``."""
    return e164(mobile_numbers(rng, count))


def resident_ids(
    rng: np.random.Generator, id_prefix: IntArray, birth_days: IntArray, male: IntArray
) -> pl.Series:
    """18-character resident id numbers: area, birth date, sequence (odd for men), check digit."""
    count = len(id_prefix)
    area = id_prefix * 10_000 + rng.integers(1, 16, size=count) * 100 + rng.integers(1, 29, size=count)
    born = birth_days.astype("datetime64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = born.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (born - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    sequence = rng.integers(0, 50, size=count) * 20 + rng.integers(0, 10, size=count) * 2 + male
    body = ((area * 10_000 + year) * 100 + month) * 100 + day
    body = body * 1000 + sequence
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = (digits @ _ID_WEIGHTS) % 11
    return pl.Series(body).cast(pl.String) + pick(_ID_CHECK, check)


def _emails(rng: np.random.Generator, count: int) -> pl.Series:
    has = rng.random(count) < _EMAIL_SHARE
    qq = rng.random(count) < _QQ_EMAIL_SHARE
    qq_number = pl.Series(rng.integers(10_000_000, 3_000_000_000, size=count)).cast(pl.String)
    named = (
        pick(_ROMAN, rng.integers(0, len(_ROMAN), size=count))
        + pick(_ROMAN, rng.integers(0, len(_ROMAN), size=count))
        + pl.Series(rng.integers(1, 1000, size=count)).cast(pl.String)
        + "@"
        + pick(_EMAIL_DOMAINS, rng.integers(0, len(_EMAIL_DOMAINS), size=count))
    )
    email = (qq_number + "@qq.com").zip_with(pl.Series(qq), named)
    return (
        pl.DataFrame({"email": email, "has": has})
        .select(pl.when(pl.col("has")).then(pl.col("email")))
        .to_series()
    )


def _addresses(rng: np.random.Generator, region: IntArray) -> pl.Series:
    count = len(region)
    # Each region's cities, flattened; a municipality contributes one empty city.
    city_names: list[str] = []
    city_start = np.zeros(len(REGIONS), dtype=np.int64)
    city_count = np.zeros(len(REGIONS), dtype=np.int64)
    for i, r in enumerate(REGIONS):
        city_start[i] = len(city_names)
        cities = r.cities or ("",)
        city_count[i] = len(cities)
        city_names.extend(cities)
    city = city_start[region] + (rng.random(count) * city_count[region]).astype(np.int64)
    provinces = [r.province for r in REGIONS]
    house = rng.integers(1, 999, size=count)
    building = rng.integers(1, 30, size=count)
    unit = rng.integers(1, 6, size=count)
    room = rng.integers(1, 33, size=count) * 100 + rng.integers(1, 5, size=count)

    def text(values: IntArray) -> pl.Series:
        return pl.Series(values).cast(pl.String)

    return (
        pick(provinces, region)
        + pick(city_names, city)
        + pick(_DISTRICTS, rng.integers(0, len(_DISTRICTS), size=count))
        + "区"
        + pick(_STREET_STEMS, rng.integers(0, len(_STREET_STEMS), size=count))
        + pick(_STREET_SUFFIXES, rng.integers(0, len(_STREET_SUFFIXES), size=count))
        + text(house)
        + "号"
        + text(building)
        + "栋"
        + text(unit)
        + "单元"
        + text(room)
        + "室"
    )


def borrowers(
    rng: np.random.Generator, *, first_number: int, count: int, reference: date
) -> tuple[pl.DataFrame, IntArray]:
    """Rows of borrowers.csv numbered from ``first_number``, adults at ``reference``.

    Returns the frame and each borrower's surname index (contacts reuse it).
    """
    names, surnames, male = chinese_names(rng, count)
    region = weighted_choice(rng, [r.weight for r in REGIONS], count)
    migrant = rng.random(count) < _MIGRANT_SHARE
    born_region = np.where(migrant, weighted_choice(rng, [r.weight for r in REGIONS], count), region)
    id_prefix = np.asarray([r.id_prefix for r in REGIONS], dtype=np.int64)[born_region]
    age_days = ((20.0 + rng.gamma(2.2, 5.0, size=count)).clip(20.0, 62.0) * 365.25).astype(np.int64)
    reference_days = (np.datetime64(reference, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    birth_days = reference_days - age_days

    xj = next(i for i, r in enumerate(REGIONS) if r.code == "CN-XJ")
    urumqi = (region == xj) & (rng.random(count) < URUMQI_SHARE)
    english = rng.random(count) < ENGLISH_SHARE
    frame = pl.DataFrame(
        {
            "borrower_id": ids_for("B", np.arange(first_number, first_number + count), 7),
            "name": names,
            "phone": mobiles(rng, count),
            "email": _emails(rng, count),
            "address": _addresses(rng, region),
            "region": pick([r.code for r in REGIONS], region),
            "timezone": pick(("Asia/Shanghai", "Asia/Urumqi"), urumqi.astype(np.int64)),
            "language": pick(("zh", "en"), english.astype(np.int64)),
            "id_number": resident_ids(rng, id_prefix, birth_days, male),
        }
    )
    return frame, surnames


def contacts(
    rng: np.random.Generator,
    *,
    first_number: int,
    borrower_ids: pl.Series,
    borrower_phones: pl.Series,
    surnames: IntArray,
) -> pl.DataFrame:
    """Rows of contacts.csv: 0-3 people per borrower; relatives mostly share the surname.

    A contact's phone is never the borrower's own (a clash changes its last digit).
    """
    per_borrower = weighted_choice(rng, CONTACT_COUNT_WEIGHT, len(borrower_ids))
    owner = np.repeat(np.arange(len(borrower_ids), dtype=np.int64), per_borrower)
    count = len(owner)
    relation = weighted_choice(rng, RELATION_WEIGHT, count)
    family = np.isin(relation, [RELATIONS.index("parent"), RELATIONS.index("relative")])
    same_surname = family & (rng.random(count) < 0.85)
    surname = np.where(same_surname, surnames[owner], weighted_choice(rng, _SURNAME_WEIGHTS, count))
    names, _, _ = chinese_names(rng, count, surname)
    consented = rng.random(count) < np.asarray(RELATION_CONSENT)[relation]
    own = borrower_phones.str.slice(3).cast(pl.Int64).to_numpy()[owner]
    drawn = mobile_numbers(rng, count)
    phone = np.where(drawn == own, drawn ^ 1, drawn)
    return pl.DataFrame(
        {
            "contact_id": ids_for("C", np.arange(first_number, first_number + count), 7),
            "borrower_id": borrower_ids.gather(owner),
            "name": names,
            "phone": e164(phone),
            "relation": pick(RELATIONS, relation),
            "consented": pl.Series(consented, dtype=pl.Boolean),
        }
    )
