"""GB/T 4754-2017 industry codes an SME on the platform plausibly has, with name fragments.

Each entry: code, the business word of an enterprise name, the shop word of a 个体工商户, the word of
a cooperative, and relative weights for enterprises (91), individual businesses (92), cooperatives (93).
"""

from __future__ import annotations

import numpy as np

INDUSTRIES = [
    ("A0111", "农业开发", "粮油店", "种植", 1.0, 0.3, 6.0),
    ("A0141", "农业科技", "蔬菜店", "蔬菜种植", 1.0, 0.5, 5.0),
    ("A0151", "果业", "水果店", "果品种植", 0.6, 0.6, 4.0),
    ("A0311", "牧业", "牛肉店", "养殖", 0.6, 0.2, 4.0),
    ("B0610", "煤业", "煤炭经销部", "", 1.2, 0.2, 0.0),
    ("C1311", "粮油加工", "粮油加工坊", "粮食加工", 0.8, 0.3, 1.0),
    ("C1462", "醋业", "醋坊", "", 1.0, 0.6, 0.3),
    ("C1515", "酒业", "酒坊", "", 0.8, 0.3, 0.0),
    ("C1761", "纺织", "布艺店", "", 0.4, 0.2, 0.0),
    ("C3110", "钢铁", "", "", 0.4, 0.0, 0.0),
    ("C3311", "金属制品", "五金加工部", "", 0.8, 0.3, 0.0),
    ("C3483", "机械制造", "机修部", "", 1.0, 0.2, 0.0),
    ("C3670", "汽车配件", "汽配店", "", 0.6, 0.4, 0.0),
    ("D4411", "新能源", "", "", 0.3, 0.0, 0.0),
    ("E4710", "建筑工程", "装修队", "", 2.0, 0.4, 0.0),
    ("E4910", "安装工程", "水电安装部", "", 0.8, 0.4, 0.0),
    ("F5111", "农产品贸易", "农资店", "农资", 1.2, 0.8, 1.0),
    ("F5212", "商贸", "超市", "", 2.5, 3.0, 0.0),
    ("F5219", "百货", "便利店", "", 1.0, 3.0, 0.0),
    ("F52", "商贸", "商店", "", 1.0, 1.5, 0.0),
    ("F5261", "汽车销售服务", "汽车用品店", "", 0.6, 0.5, 0.0),
    ("G5430", "物流", "货运部", "", 1.5, 1.0, 0.0),
    ("H6110", "酒店管理", "宾馆", "", 0.6, 0.8, 0.0),
    ("H6210", "餐饮管理", "面馆", "", 1.2, 3.5, 0.0),
    ("H6291", "餐饮", "小吃店", "", 0.4, 2.0, 0.0),
    ("I6510", "软件科技", "电脑店", "", 1.2, 0.3, 0.0),
    ("I6420", "网络科技", "网店", "", 0.8, 0.4, 0.0),
    ("K7020", "物业管理", "", "", 0.5, 0.0, 0.0),
    ("L7212", "商务咨询", "", "", 0.6, 0.1, 0.0),
    ("M7320", "检测技术", "", "", 0.4, 0.0, 0.0),
    ("N7721", "环保科技", "", "", 0.5, 0.0, 0.0),
    ("O8010", "家政服务", "家政服务部", "", 0.4, 1.2, 0.0),
    ("O8051", "美容美发", "理发店", "", 0.3, 1.5, 0.0),
    ("P8392", "教育科技", "培训部", "", 0.5, 0.3, 0.0),
    ("Q8421", "医疗器械", "诊所", "", 0.3, 0.4, 0.0),
    ("R8710", "文化传媒", "文印店", "", 0.6, 0.5, 0.0),
]

CODES = np.array([row[0] for row in INDUSTRIES])
BUSINESS = np.array([row[1] for row in INDUSTRIES])
SHOP = np.array([row[2] for row in INDUSTRIES])
COOP = np.array([row[3] for row in INDUSTRIES])
WEIGHTS = {
    "91": np.array([row[4] for row in INDUSTRIES]),
    "92": np.array([row[5] for row in INDUSTRIES]),
    "93": np.array([row[6] for row in INDUSTRIES]),
}


def draw(rng: np.random.Generator, entity_type: str, n: int) -> np.ndarray:
    """Indices into INDUSTRIES for n entities of one type."""
    weights = WEIGHTS[entity_type]
    return rng.choice(len(INDUSTRIES), size=n, p=weights / weights.sum())
