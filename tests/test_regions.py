"""The region catalog matches botocore's offline data, and region scoring behaves."""

import datetime as dt

import botocore.loaders
import botocore.session
import pytest

from course.aws.regions import (
    distance_km,
    has_endpoint,
    latency_part,
    parse_latlon,
    rank_regions,
    region,
    regions,
    regions_frame,
    round_trip_ms,
    services_in,
)
from course.errors import CourseInputError

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)
SYDNEY = (-33.87, 151.21)
PARTIAL_SERVICE = "kendra"  # offline, in only some regions of the aws partition


def test_catalog_codes_are_botocores_offline_aws_regions():
    offline = botocore.session.get_session().get_available_regions("ec2")
    assert [r.code for r in regions()] == sorted(offline)


def test_catalog_names_are_botocores_descriptions():
    data = botocore.loaders.create_loader().load_data("endpoints")
    aws = next(p for p in data["partitions"] if p["partition"] == "aws")["regions"]
    assert all(r.name == aws[r.code]["description"] for r in regions())


def test_rows_are_plausible():
    for r in regions():
        assert -90 <= r.lat <= 90 and -180 <= r.lon <= 180, r.code
        assert r.azs >= 2, r.code
        assert 2006 <= r.opened <= dt.date.today().year, r.code
        assert len(r.country) == 2 and r.country.isupper(), r.code
        assert r.city, r.code
    assert region("us-east-1").azs == 6
    assert sum(r.azs for r in regions()) == 108  # 120 AZs in 38 regions, less China and GovCloud


def test_prices_are_one_instance_type_and_sourced():
    priced = [r for r in regions() if r.price_usd_per_hour is not None]
    assert priced
    assert {r.price_instance_type for r in priced} == {"t2.micro"}
    assert all(r.price_source == "https://aws.amazon.com/ec2/pricing/on-demand/" for r in priced)
    unpriced = [r for r in regions() if r.price_usd_per_hour is None]
    assert all(r.price_instance_type is None and r.price_source is None for r in unpriced)


def test_regions_frame_has_one_row_per_region():
    frame = regions_frame()
    assert len(frame) == len(regions())
    assert {"code", "lat", "lon", "azs", "price_usd_per_hour"} <= set(frame.columns)


def test_distance_paris_london():
    assert distance_km(PARIS, LONDON) == pytest.approx(344, abs=10)
    assert distance_km(PARIS, PARIS) == 0


def test_distance_rejects_bad_coordinates():
    with pytest.raises(CourseInputError, match="latitude 95"):
        distance_km((95, 0), PARIS)
    with pytest.raises(CourseInputError, match="longitude 200"):
        distance_km(PARIS, (0, 200))


def test_unknown_region_suggests_the_code():
    with pytest.raises(CourseInputError) as err:
        region("us-east-l")
    assert "did you mean us-east-1?" in str(err.value)
    assert "not the letter l" in str(err.value)
    with pytest.raises(CourseInputError, match="did you mean eu-west-3"):
        region("eu-wset-3")
    with pytest.raises(CourseInputError, match="did you mean eu-central-1"):
        region("Frankfurt")


def test_parse_latlon():
    assert parse_latlon("-33.87,151.21") == (-33.87, 151.21)
    assert parse_latlon(" 48.85, 2.35 ") == (48.85, 2.35)
    assert parse_latlon("-22.9 -43.2") == (-22.9, -43.2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Paris", "expected 'latitude,longitude'"),
        ("48.85", "expected 'latitude,longitude'"),
        ("48.85,2.35,7", "expected 'latitude,longitude'"),
        ("151.21,-33.87", "swapped"),
        ("10,181", "longitude 181"),
    ],
)
def test_parse_latlon_rejects_bad_input(text, message):
    with pytest.raises(CourseInputError, match=message):
        parse_latlon(text)


def test_sydney_users_get_sydney():
    best = rank_regions([SYDNEY])[0]
    assert best.code == "ap-southeast-2"
    assert best.eligible and 0 < best.score <= 1
    assert best.parts["latency"] + best.parts["price"] == pytest.approx(best.score, abs=0.001)
    assert any("Sydney is 3 km" in reason for reason in best.reasons)


def test_scores_are_sorted_and_in_range():
    ranked = rank_regions([PARIS, LONDON])
    assert len(ranked) == len(regions())
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)


def test_country_filter_keeps_only_allowed_countries():
    ranked = rank_regions([PARIS], countries=["FR"])
    assert [s.code for s in ranked if s.eligible] == ["eu-west-3"]
    frankfurt = next(s for s in ranked if s.code == "eu-central-1")
    assert frankfurt.score == 0 and "not in an allowed country (DE not in FR)" in frankfurt.reasons
    assert ranked[0].code == "eu-west-3"


def test_service_filter_drops_regions_without_the_endpoint():
    ranked = rank_regions([PARIS], services=[PARTIAL_SERVICE])
    eligible = {s.code for s in ranked if s.eligible}
    assert 0 < len(eligible) < len(regions())
    assert eligible == {r.code for r in regions() if has_endpoint(PARTIAL_SERVICE, r.code)}
    paris = next(s for s in ranked if s.code == "eu-west-3")
    assert not paris.eligible and f"no endpoint for {PARTIAL_SERVICE}" in paris.reasons
    assert ranked[0].eligible and ranked[-1].score == 0


def test_unpriced_region_says_so():
    paris = next(s for s in rank_regions([PARIS]) if s.code == "eu-west-3")
    assert any("not in the course's data (counted as dear as the dearest" in r for r in paris.reasons)


def test_endpoints_from_offline_data():
    assert has_endpoint("lambda", "eu-west-3")
    assert has_endpoint("iam", "eu-west-3")  # global service
    assert "s3" in services_in("ap-southeast-2")
    assert not has_endpoint(PARTIAL_SERVICE, "eu-west-3")


def test_unknown_service_suggests_a_name():
    with pytest.raises(CourseInputError, match="did you mean lambda"):
        has_endpoint("lamda", "us-east-1")
    with pytest.raises(CourseInputError, match="did you mean dynamodb"):
        rank_regions([PARIS], services=["dynamdb"])


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"latncy": 1}, "did you mean latency"),
        ({"latency": -0.5, "price": 1}, "must not be negative"),
        ({"latency": 0, "price": 0}, "above 0"),
        ({"latency": "high"}, "must be a number"),
    ],
)
def test_weights_are_validated(weights, message):
    with pytest.raises(CourseInputError, match=message):
        rank_regions([PARIS], weights=weights)


def test_price_only_weight_puts_the_cheapest_first():
    ranked = rank_regions([SYDNEY], weights={"price": 1})
    cheapest = min(r.price_usd_per_hour for r in regions() if r.price_usd_per_hour)
    assert region(ranked[0].code).price_usd_per_hour == cheapest
    assert ranked[0].parts["latency"] == 0


def test_bad_inputs_to_rank_regions():
    with pytest.raises(CourseInputError, match="at least one"):
        rank_regions([])
    with pytest.raises(CourseInputError, match="user point 2: latitude"):
        rank_regions([PARIS, (-100, 0)])
    with pytest.raises(CourseInputError, match="two-letter"):
        rank_regions([PARIS], countries=["France"])


CITIES = {
    "Tokyo": ((35.68, 139.69), "ap-northeast-1", "JP"),
    "Sydney": ((-33.87, 151.21), "ap-southeast-2", "AU"),
    "Paris": ((48.86, 2.35), "eu-west-3", "FR"),
    "Sao Paulo": ((-23.55, -46.63), "sa-east-1", "BR"),
    "Frankfurt": ((50.11, 8.68), "eu-central-1", "DE"),
}


@pytest.mark.parametrize("city", CITIES)
def test_users_get_the_nearest_region_first(city):
    point, expected, country = CITIES[city]
    assert rank_regions([point])[0].code == expected
    assert rank_regions([point], countries=[country])[0].code == expected


def test_tokyo_beats_osaka_for_users_in_tokyo():
    ranked = {s.code: s for s in rank_regions([CITIES["Tokyo"][0]], countries=["JP"])}
    tokyo, osaka = ranked["ap-northeast-1"], ranked["ap-northeast-3"]
    assert tokyo.score > osaka.score
    assert tokyo.parts["latency"] - osaka.parts["latency"] > 0.05  # 2 km against ~400 km is a real gap
    assert osaka.parts["price"] <= tokyo.parts["price"]  # an unpriced Region is never rewarded


def test_round_trip_grows_with_distance_from_a_base():
    assert round_trip_ms(0) == pytest.approx(5.0)
    assert round_trip_ms(1000) == pytest.approx(5.0 + 15.0)
    assert latency_part(0) == pytest.approx(1.0)
    assert 1 > latency_part(400) > latency_part(4000) > latency_part(15000) > 0


def test_unknown_country_is_refused():
    with pytest.raises(CourseInputError, match="no AWS Region in country 'XX'.*JP"):
        rank_regions([PARIS], countries=["XX"])
