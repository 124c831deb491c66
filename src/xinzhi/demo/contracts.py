"""Registered technology contracts (技术合同认定登记) of 2023, summing to the published turnover.

The sellers are the city's enterprises (more often HNTE and larger firms); a buyer is either
another enterprise of the city or a firm elsewhere in China. Amounts are lognormal by
contract type, then rescaled in whole fen so that their sum is exactly the published 合同
成交额 (249.3亿元 for the default city). 技术交易额 is 70–100 % of the contract amount
(RULES.md §6.3: the contract amount less non-technical costs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..domain.enums import ContractType
from .archetypes import REGISTRY_AS_OF
from .codes import CreditCodes, contract_registration_numbers
from .names import outside_party_names
from .reference import CityReference
from .sampling import (
    apportion,
    day,
    random_days,
    rescale_to_total,
    to_dates,
    truncated_lognormal,
)

# The published count runs from January to the article's month (2023-08).
REGISTERED_FROM = dt.date(2023, 1, 1)
# Share of contracts and median amount (yuan) by type; 开发 and 服务 are most of the count.
TYPE_SHARE = {
    ContractType.SERVICE: 0.42,
    ContractType.DEVELOPMENT: 0.36,
    ContractType.CONSULTING: 0.09,
    ContractType.LICENCE: 0.07,
    ContractType.TRANSFER: 0.06,
}
TYPE_MEDIAN = {
    ContractType.SERVICE: 4e5,
    ContractType.DEVELOPMENT: 8e5,
    ContractType.CONSULTING: 1.5e5,
    ContractType.LICENCE: 5e5,
    ContractType.TRANSFER: 6e5,
}
AMOUNT_SIGMA = 1.6
MINIMUM_AMOUNT_FEN = 1_000 * 100  # 1,000 yuan
LOCAL_BUYER_SHARE = 0.45
OUTSIDE_PARTIES_PER_CONTRACT = 0.35
FULLY_TECHNICAL_SHARE = 0.35  # contracts with no non-technical costs
SIGNING_LAG_DAYS = (0, 90)
OUTSIDE_WORDS = (
    "科技",
    "智能科技",
    "信息技术",
    "装备制造",
    "电力科技",
    "新材料",
    "医疗科技",
    "汽车科技",
    "航空科技",
    "软件",
    "能源科技",
    "化工科技",
)


def working_day(days: np.ndarray) -> np.ndarray:
    """The day itself or the next Monday–Friday (registration offices close at weekends)."""
    dates = days.astype("datetime64[D]")
    return np.busday_offset(dates, 0, roll="forward").astype(np.int64)


def contract_types(rng: np.random.Generator, count: int) -> np.ndarray:
    """Exactly apportioned type counts, shuffled."""
    types = list(TYPE_SHARE)
    per_type = apportion(count, list(TYPE_SHARE.values()))
    labels = np.repeat(np.arange(len(types)), per_type)
    return rng.permutation(labels)


def contract_amounts(
    rng: np.random.Generator, type_index: np.ndarray, total_fen: int
) -> np.ndarray:
    """Lognormal amounts by type, rescaled to sum to ``total_fen`` exactly."""
    medians = np.array([TYPE_MEDIAN[t] for t in TYPE_SHARE])[type_index]
    shape = truncated_lognormal(rng, medians, AMOUNT_SIGMA, 1e3, 1e10)
    return rescale_to_total(shape, total_fen, minimum=MINIMUM_AMOUNT_FEN)


@dataclass
class Parties:
    """Who sells and who buys: enterprise indices, or an outside party."""

    seller: np.ndarray  # enterprise index
    buyer: np.ndarray  # enterprise index, −1 for an outside party
    outside: np.ndarray  # index into outside names/codes, −1 for a local buyer
    outside_names: list[str]
    outside_codes: list[str]


def contract_parties(
    rng: np.random.Generator,
    count: int,
    weights: np.ndarray,
    ref: CityReference,
    codes: CreditCodes,
    taken_names: set[str],
) -> Parties:
    p = weights / weights.sum()
    seller = rng.choice(len(p), size=count, p=p)
    local = rng.random(count) < LOCAL_BUYER_SHARE
    buyer = np.full(count, -1, np.int64)
    candidate = rng.choice(len(p), size=int(local.sum()), p=p)
    same = candidate == seller[local]
    candidate[same] = (candidate[same] + 1) % len(p)  # never sells to itself
    buyer[local] = candidate

    parties = max(1, round(OUTSIDE_PARTIES_PER_CONTRACT * count))
    regions = [ref.outside_regions[i] for i in rng.integers(0, len(ref.outside_regions), parties)]
    names = outside_party_names(rng, [r.place for r in regions], OUTSIDE_WORDS, taken_names)
    party_codes = codes.issue([r.code for r in regions])
    outside = np.full(count, -1, np.int64)
    outside[~local] = rng.integers(0, parties, int((~local).sum()))
    return Parties(seller, buyer, outside, names, party_codes)


def contract_rows(
    rng: np.random.Generator,
    count: int,
    total_fen: int,
    parties: Parties,
    names: list[str],
    credit_codes: list[str],
    enterprise_ids: np.ndarray,
    city_code: str,
) -> dict[str, list]:
    type_index = contract_types(rng, count)
    amount = contract_amounts(rng, type_index, total_fen)
    technical = np.where(
        rng.random(count) < FULLY_TECHNICAL_SHARE, 1.0, 0.70 + 0.29 * rng.random(count)
    )
    tech_amount = np.minimum(np.floor(amount * technical).astype(np.int64), amount)
    registered = np.sort(
        working_day(random_days(rng, np.full(count, day(REGISTERED_FROM)), day(REGISTRY_AS_OF)))
    )
    signed = registered - random_days(rng, np.full(count, SIGNING_LAG_DAYS[0]), SIGNING_LAG_DAYS[1])
    types = [t.value for t in TYPE_SHARE]
    buyer_name = [
        names[b] if b >= 0 else parties.outside_names[o]
        for b, o in zip(parties.buyer.tolist(), parties.outside.tolist())
    ]
    buyer_code = [
        credit_codes[b] if b >= 0 else parties.outside_codes[o]
        for b, o in zip(parties.buyer.tolist(), parties.outside.tolist())
    ]
    registered_dates = to_dates(registered)
    return {
        "registration_no": contract_registration_numbers(REGISTERED_FROM.year, city_code, count),
        "contract_type": [types[i] for i in type_index.tolist()],
        "seller_code": [credit_codes[s] for s in parties.seller.tolist()],
        "seller_name": [names[s] for s in parties.seller.tolist()],
        "seller_enterprise_id": enterprise_ids[parties.seller].tolist(),
        "buyer_code": buyer_code,
        "buyer_name": buyer_name,
        "buyer_enterprise_id": [
            int(enterprise_ids[b]) if b >= 0 else None for b in parties.buyer.tolist()
        ],
        "contract_amount": amount.tolist(),
        "tech_amount": tech_amount.tolist(),
        "signed_on": to_dates(signed),
        "registered_on": registered_dates,
        "as_of": registered_dates,
    }
