"""The AWS region catalog (course/data/regions.csv) and a simple region-selection score.

The catalog holds the commercial regions of the `aws` partition that botocore knows offline.
`lat`/`lon` are metro-area coordinates to one decimal or so: AWS publishes no data-centre
locations, so distances here are rough, good for comparing regions, not for latency budgets.
Prices are the Linux on-demand price of one instance type, only where a sourced figure was found.
Latency is an estimated round trip from distance (course/data/latency_model.json states the model).
A row's `note` gives its caveats (which metro was chosen, where a price was also seen).
Service endpoints come from botocore's offline endpoint data (no network, no credentials).
"""

import difflib
import math
import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import TYPE_CHECKING

import botocore.loaders
import botocore.session

from course.data import load_csv, load_json
from course.errors import CourseInputError

if TYPE_CHECKING:
    import pandas as pd

EARTH_RADIUS_KM = 6371.0088
DEFAULT_WEIGHTS = {"latency": 0.7, "price": 0.3}
REGIONAL_SERVICES_URL = "https://aws.amazon.com/about-aws/global-infrastructure/regional-product-services/"


@dataclass(frozen=True)
class Region:
    """One AWS region as the course's catalog describes it."""

    code: str
    name: str
    country: str
    city: str
    lat: float
    lon: float
    azs: int
    opened: int
    price_usd_per_hour: float | None
    price_instance_type: str | None
    price_source: str | None
    as_of: str
    source: str
    note: str


@dataclass(frozen=True)
class RegionScore:
    """How well one region fits the request: score in 0..1 (0 if ineligible), parts and reasons."""

    code: str
    name: str
    score: float
    eligible: bool
    mean_km: float
    parts: dict[str, float]
    reasons: list[str]


@cache
def _catalog() -> tuple[Region, ...]:
    return tuple(
        Region(
            code=row["code"],
            name=row["name"],
            country=row["country"],
            city=row["city"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            azs=int(row["azs"]),
            opened=int(row["opened"]),
            price_usd_per_hour=(float(row["price_usd_per_hour"]) if row["price_usd_per_hour"] else None),
            price_instance_type=row["price_instance_type"] or None,
            price_source=row["price_source"] or None,
            as_of=row["as_of"],
            source=row["source"],
            note=row["note"],
        )
        for row in load_csv("regions.csv")
    )


def regions() -> list[Region]:
    """Every region in the catalog, sorted by code."""
    return list(_catalog())


def region(code: str) -> Region:
    """The region with this code, e.g. region("eu-west-3"); a typo gets a suggestion."""
    return _find(code)


def _find(code: str) -> Region:
    text = str(code).strip().lower()
    by_code = {r.code: r for r in _catalog()}
    if text in by_code:
        return by_code[text]
    raise CourseInputError(f"unknown region {code!r}; {_region_hint(text)}")


def _region_hint(text: str) -> str:
    by_label = {label.lower(): r.code for r in _catalog() for label in (r.name, r.city)}
    if text in by_label:
        return f"did you mean {by_label[text]}? (pass the region code, not its name)"
    codes = [r.code for r in _catalog()]
    if text[-1:] in ("l", "i") and text[:-1] + "1" in codes:
        fixed = text[:-1] + "1"
        return f"did you mean {fixed}? (region codes end in a digit, not the letter {text[-1]})"
    match = difflib.get_close_matches(text, codes, n=1, cutoff=0.6)
    if not match:
        return "region codes look like us-east-1 or eu-west-3 (see regions())"
    return f"did you mean {match[0]}?"


def _check_point(point: tuple[float, float], what: str = "point") -> tuple[float, float]:
    """(lat, lon) as floats, or a CourseInputError saying what is wrong."""
    try:
        lat, lon = point
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise CourseInputError(
            f"{what} must be a (latitude, longitude) pair of numbers, got {point!r}"
        ) from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise CourseInputError(f"{what} {point!r} is not a finite (latitude, longitude)")
    if not -90 <= lat <= 90:
        swapped = " (are latitude and longitude swapped?)" if -90 <= lon <= 90 else ""
        raise CourseInputError(f"{what}: latitude {lat} is outside -90..90{swapped}")
    if not -180 <= lon <= 180:
        raise CourseInputError(f"{what}: longitude {lon} is outside -180..180")
    return lat, lon


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon) points in degrees (haversine)."""
    lat1, lon1 = map(math.radians, _check_point(a, "a"))
    lat2, lon2 = map(math.radians, _check_point(b, "b"))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_LATLON = re.compile(rf"^\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*$")


def parse_latlon(text: str) -> tuple[float, float]:
    """Parse "48.85, 2.35" or "-33.87,151.21" (decimal degrees, latitude first) into (lat, lon)."""
    match = _LATLON.match(str(text))
    if not match:
        raise CourseInputError(
            f"expected 'latitude,longitude' in decimal degrees, e.g. '48.85, 2.35', got {text!r}"
        )
    return _check_point((float(match[1]), float(match[2])), f"{text.strip()!r}")


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def _aws_endpoints() -> dict:
    data = botocore.loaders.create_loader().load_data("endpoints")
    return next(p for p in data["partitions"] if p["partition"] == "aws")["services"]


def _check_service(service: str) -> str:
    name = str(service).strip().lower()
    known = _session().get_available_services()
    if name in known:
        return name
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {match[0]}?" if match else "use boto3 client names"
    raise CourseInputError(
        f"unknown service {service!r}; {hint} (e.g. 'lambda', 's3', 'dynamodb', 'sagemaker')"
    )


@cache
def _offline_regions(service: str) -> frozenset[str] | None:
    """Catalog regions with an endpoint for SERVICE (all if it is global); None if no data."""
    prefix = _session().get_service_data(service)["metadata"].get("endpointPrefix", service)
    entry = _aws_endpoints().get(prefix)
    if entry is None:
        return None
    codes = {r.code for r in _catalog()}
    if entry.get("isRegionalized") is False:
        return frozenset(codes)
    return frozenset(_session().get_available_regions(service)) & codes


def _service_regions(service: str) -> frozenset[str]:
    name = _check_service(service)
    found = _offline_regions(name)
    if found is None:
        raise CourseInputError(
            f"botocore's offline endpoint data has no region list for {name!r}; "
            f"check the AWS Regional Services List: {REGIONAL_SERVICES_URL}"
        )
    return found


def has_endpoint(service: str, region: str) -> bool:
    """True if botocore's offline data lists an endpoint for SERVICE in the region.

    An endpoint shows the service exists there, not that every feature or model is available.
    Global services (iam, route53, cloudfront, organizations...) count as present everywhere.
    """
    return _find(region).code in _service_regions(service)


def services_in(region: str) -> set[str]:
    """boto3 service names with an endpoint in the region, per botocore's offline data.

    Services the offline data gives no region list for are left out; an endpoint does not
    mean every feature of the service is available in the region.
    """
    code = _find(region).code
    return {name for name in _session().get_available_services() if code in (_offline_regions(name) or ())}


def round_trip_ms(km: float) -> float:
    """Estimated round trip in ms to a Region KM away (great circle), per latency_model.json."""
    model = load_json("latency_model.json")
    return model["base_ms"] + 2 * km * model["route_factor"] * model["fibre_ms_per_km"]


def latency_part(km: float) -> float:
    """1 for a Region next to the users, falling with the estimated round trip: (base+ref)/(rtt+ref)."""
    model = load_json("latency_model.json")
    return (model["base_ms"] + model["reference_ms"]) / (round_trip_ms(km) + model["reference_ms"])


def _check_weights(weights: dict[str, float] | None) -> dict[str, float]:
    """Weights scaled to sum to 1; names not given count as 0."""
    if weights is None:
        weights = DEFAULT_WEIGHTS
    if not isinstance(weights, dict):
        raise CourseInputError(f"weights must be a dict like {DEFAULT_WEIGHTS}, got {weights!r}")
    for key, value in weights.items():
        if key not in DEFAULT_WEIGHTS:
            match = difflib.get_close_matches(str(key), list(DEFAULT_WEIGHTS), n=1)
            hint = f"did you mean {match[0]}? " if match else ""
            raise CourseInputError(f"unknown weight {key!r}; {hint}(weights: {', '.join(DEFAULT_WEIGHTS)})")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CourseInputError(f"weight {key!r} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise CourseInputError(f"weight {key!r} must be a finite number, got {value!r}")
        if value < 0:
            raise CourseInputError(f"weight {key!r} must not be negative, got {value}")
    total = sum(weights.values())
    if total == 0:
        raise CourseInputError("at least one weight must be above 0")
    return {key: weights.get(key, 0) / total for key in DEFAULT_WEIGHTS}


def _check_countries(countries: list[str] | None) -> set[str] | None:
    if countries is None:
        return None
    if isinstance(countries, str):
        countries = [countries]
    codes = {str(c).strip().upper() for c in countries}
    if not codes:
        raise CourseInputError("countries is empty: pass None to allow every country")
    with_regions = sorted({r.country for r in _catalog()})
    for code in sorted(codes):
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise CourseInputError(
                f"country {code!r} is not an ISO 3166 two-letter code such as 'FR' or 'DE'"
            )
        if code not in with_regions:
            raise CourseInputError(
                f"no AWS Region in country {code!r}; countries with a Region: {', '.join(with_regions)}"
            )
    return codes


def rank_regions(
    near: list[tuple[float, float]],
    countries: list[str] | None = None,
    services: list[str] | None = None,
    weights: dict[str, float] | None = None,
) -> list[RegionScore]:
    """Score every region for users at the points NEAR, best first; ineligible regions last.

    score = w_latency * latency_part(mean_km) + w_price * (cheapest_price / price), weights scaled
    to sum to 1 (default latency 0.7, price 0.3). The latency part falls with the estimated round
    trip (`round_trip_ms`). A region without a sourced price is never rewarded for it: it counts as
    dear as the dearest priced region, and its reasons say so. Countries (ISO codes of countries
    with a Region) and services (boto3 names) are hard filters: a region outside them is
    ineligible, scores 0 and says why.
    """
    if isinstance(near, tuple) and len(near) == 2 and all(isinstance(x, int | float) for x in near):
        near = [near]  # one (lat, lon) pair given on its own
    points = [_check_point(p, f"user point {i}") for i, p in enumerate(near or [], start=1)]
    if not points:
        raise CourseInputError("near needs at least one (latitude, longitude) point")
    allowed = _check_countries(countries)
    if isinstance(services, str):
        services = [services]
    wanted = {_check_service(name): _service_regions(name) for name in services or []}
    weight = _check_weights(weights)

    prices = [r.price_usd_per_hour for r in _catalog() if r.price_usd_per_hour]
    cheapest, dearest = min(prices), max(prices)

    scores = []
    for r in _catalog():
        mean_km = sum(distance_km(p, (r.lat, r.lon)) for p in points) / len(points)
        price_part = cheapest / (r.price_usd_per_hour or dearest)
        parts = {
            "latency": round(weight["latency"] * latency_part(mean_km), 4),
            "price": round(weight["price"] * price_part, 4),
        }
        reasons = []
        if allowed is not None and r.country not in allowed:
            reasons.append(f"not in an allowed country ({r.country} not in {', '.join(sorted(allowed))})")
        missing = [name for name, found in wanted.items() if r.code not in found]
        if missing:
            reasons.append(f"no endpoint for {', '.join(missing)}")
        eligible = not reasons
        reasons.append(
            f"{r.city} is {mean_km:,.0f} km from your users on average "
            f"(a round trip of about {round_trip_ms(mean_km):.0f} ms)"
        )
        reasons.append(_price_reason(r, cheapest))
        scores.append(
            RegionScore(
                code=r.code,
                name=r.name,
                score=round(sum(parts.values()), 3) if eligible else 0.0,
                eligible=eligible,
                mean_km=round(mean_km, 1),
                parts=parts,
                reasons=reasons,
            )
        )
    return sorted(scores, key=lambda s: (not s.eligible, -s.score, s.mean_km, s.code))


def _price_reason(r: Region, cheapest: float) -> str:
    price = r.price_usd_per_hour
    if price is None:
        return "its price is not in the course's data (counted as dear as the dearest priced region)"
    where = f"{r.price_instance_type} costs ${price}/hour here"
    if price == cheapest:
        return f"{where}, the cheapest in the course's data"
    return f"{where}, {price / cheapest - 1:.0%} more than the cheapest in the course's data"


def regions_frame() -> "pd.DataFrame":
    """The catalog as a pandas DataFrame, one row per region."""
    import pandas as pd

    return pd.DataFrame([asdict(r) for r in _catalog()])
