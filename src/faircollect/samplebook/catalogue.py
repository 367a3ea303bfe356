"""The fixed tables behind a sample book: regions, products, behaviours, relations.

Everything here is constant data; changing a number changes every generated book.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    """A province-level division of mainland China, with ISO 3166-2:CN code."""

    code: str
    province: str
    #: Rough population in millions (2020 census), used as sampling weight.
    weight: float
    #: First two digits of resident id numbers issued there.
    id_prefix: int
    #: A few prefecture-level cities; empty for the municipalities.
    cities: tuple[str, ...]


REGIONS: tuple[Region, ...] = (
    Region("CN-GD", "广东省", 126.0, 44, ("广州市", "深圳市", "东莞市", "佛山市", "珠海市", "汕头市")),
    Region("CN-SD", "山东省", 101.0, 37, ("济南市", "青岛市", "烟台市", "潍坊市", "临沂市")),
    Region("CN-HA", "河南省", 99.0, 41, ("郑州市", "洛阳市", "南阳市", "新乡市", "商丘市")),
    Region("CN-JS", "江苏省", 85.0, 32, ("南京市", "苏州市", "无锡市", "常州市", "南通市", "徐州市")),
    Region("CN-SC", "四川省", 84.0, 51, ("成都市", "绵阳市", "南充市", "宜宾市", "德阳市")),
    Region("CN-HE", "河北省", 75.0, 13, ("石家庄市", "唐山市", "保定市", "邯郸市", "廊坊市")),
    Region("CN-HN", "湖南省", 66.0, 43, ("长沙市", "株洲市", "衡阳市", "岳阳市", "常德市")),
    Region("CN-ZJ", "浙江省", 65.0, 33, ("杭州市", "宁波市", "温州市", "金华市", "绍兴市", "台州市")),
    Region("CN-AH", "安徽省", 61.0, 34, ("合肥市", "芜湖市", "蚌埠市", "阜阳市", "安庆市")),
    Region("CN-HB", "湖北省", 58.0, 42, ("武汉市", "宜昌市", "襄阳市", "荆州市", "黄冈市")),
    Region("CN-GX", "广西壮族自治区", 50.0, 45, ("南宁市", "柳州市", "桂林市", "玉林市")),
    Region("CN-YN", "云南省", 47.0, 53, ("昆明市", "曲靖市", "大理市", "玉溪市")),
    Region("CN-JX", "江西省", 45.0, 36, ("南昌市", "赣州市", "九江市", "上饶市")),
    Region("CN-LN", "辽宁省", 43.0, 21, ("沈阳市", "大连市", "鞍山市", "锦州市")),
    Region("CN-FJ", "福建省", 41.0, 35, ("福州市", "厦门市", "泉州市", "漳州市")),
    Region("CN-SN", "陕西省", 40.0, 61, ("西安市", "咸阳市", "宝鸡市", "榆林市")),
    Region("CN-GZ", "贵州省", 39.0, 52, ("贵阳市", "遵义市", "六盘水市", "毕节市")),
    Region("CN-SX", "山西省", 35.0, 14, ("太原市", "大同市", "运城市", "长治市")),
    Region("CN-CQ", "重庆市", 32.0, 50, ()),
    Region("CN-HL", "黑龙江省", 32.0, 23, ("哈尔滨市", "齐齐哈尔市", "大庆市", "牡丹江市")),
    Region(
        "CN-XJ", "新疆维吾尔自治区", 26.0, 65, ("乌鲁木齐市", "喀什市", "伊宁市", "克拉玛依市", "库尔勒市")
    ),
    Region("CN-GS", "甘肃省", 25.0, 62, ("兰州市", "天水市", "酒泉市", "白银市")),
    Region("CN-SH", "上海市", 25.0, 31, ()),
    Region("CN-NM", "内蒙古自治区", 24.0, 15, ("呼和浩特市", "包头市", "鄂尔多斯市", "赤峰市")),
    Region("CN-JL", "吉林省", 24.0, 22, ("长春市", "吉林市", "四平市", "延吉市")),
    Region("CN-BJ", "北京市", 22.0, 11, ()),
    Region("CN-TJ", "天津市", 14.0, 12, ()),
    Region("CN-HI", "海南省", 10.0, 46, ("海口市", "三亚市", "儋州市")),
    Region("CN-NX", "宁夏回族自治区", 7.0, 64, ("银川市", "石嘴山市", "吴忠市")),
    Region("CN-QH", "青海省", 6.0, 63, ("西宁市", "海东市", "格尔木市")),
    Region("CN-XZ", "西藏自治区", 4.0, 54, ("拉萨市", "日喀则市", "林芝市")),
)

#: Share of CN-XJ borrowers who keep Xinjiang time rather than Beijing time.
URUMQI_SHARE = 0.35
#: Share of borrowers who asked for English.
ENGLISH_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class Product:
    """A consumer-installment product: its sizes, terms, prices and risk."""

    name: str
    #: Sampling weight at average risk.
    weight: float
    #: How strongly riskier borrowers are drawn to it (added to the log-weight per unit of risk).
    risk_affinity: float
    #: Added to a loan's latent risk.
    risk_shift: float
    #: Principal in whole yuan: median, lognormal sigma, minimum, maximum; rounded to hundreds.
    principal_median: float
    principal_sigma: float
    principal_min: int
    principal_max: int
    #: Principal is a shelf price ending in 99 (3999, 5499) rather than a round sum.
    shelf_price: bool
    terms: tuple[int, ...]
    term_weights: tuple[float, ...]
    #: APR at average risk, its change per unit of risk, and its floor (the cap is MAX_APR).
    apr_base: float
    apr_per_risk: float
    apr_min: float
    #: Share of loans with equal-principal (等额本金) rather than annuity (等额本息) schedules.
    equal_principal_share: float
    #: Share of loans with a monthly service fee, and that fee as a share of principal.
    service_fee_share: float
    service_fee_rate: float
    #: Share of loans whose contract adds penalty interest (罚息) on overdue principal.
    penalty_share: float


#: The regulatory ceiling the demo lender keeps to (APR 36%).
MAX_APR = 0.36

PRODUCTS: tuple[Product, ...] = (
    Product(
        name="手机分期",
        weight=0.30,
        risk_affinity=0.15,
        risk_shift=0.05,
        principal_median=4200.0,
        principal_sigma=0.45,
        principal_min=1000,
        principal_max=16000,
        shelf_price=True,
        terms=(3, 6, 9, 12, 18, 24),
        term_weights=(0.10, 0.22, 0.10, 0.30, 0.12, 0.16),
        apr_base=0.1799,
        apr_per_risk=0.025,
        apr_min=0.0999,
        equal_principal_share=0.10,
        service_fee_share=0.0,
        service_fee_rate=0.0,
        penalty_share=0.30,
    ),
    Product(
        name="家电分期",
        weight=0.22,
        risk_affinity=-0.35,
        risk_shift=-0.30,
        principal_median=6000.0,
        principal_sigma=0.55,
        principal_min=1000,
        principal_max=39900,
        shelf_price=False,
        terms=(6, 9, 12, 18, 24),
        term_weights=(0.30, 0.10, 0.35, 0.12, 0.13),
        apr_base=0.1299,
        apr_per_risk=0.020,
        apr_min=0.0799,
        equal_principal_share=0.35,
        service_fee_share=0.0,
        service_fee_rate=0.0,
        penalty_share=0.20,
    ),
    Product(
        name="教育分期",
        weight=0.14,
        risk_affinity=0.0,
        risk_shift=0.0,
        principal_median=14000.0,
        principal_sigma=0.50,
        principal_min=3000,
        principal_max=49900,
        shelf_price=False,
        terms=(9, 12, 18, 24),
        term_weights=(0.25, 0.45, 0.15, 0.15),
        apr_base=0.1499,
        apr_per_risk=0.025,
        apr_min=0.0999,
        equal_principal_share=0.40,
        service_fee_share=0.30,
        service_fee_rate=0.0010,
        penalty_share=0.30,
    ),
    Product(
        name="医美分期",
        weight=0.12,
        risk_affinity=0.30,
        risk_shift=0.20,
        principal_median=16000.0,
        principal_sigma=0.60,
        principal_min=3000,
        principal_max=79900,
        shelf_price=False,
        terms=(6, 12, 18, 24),
        term_weights=(0.25, 0.45, 0.15, 0.15),
        apr_base=0.2299,
        apr_per_risk=0.030,
        apr_min=0.1499,
        equal_principal_share=0.15,
        service_fee_share=0.50,
        service_fee_rate=0.0015,
        penalty_share=0.60,
    ),
    Product(
        name="现金分期",
        weight=0.22,
        risk_affinity=0.60,
        risk_shift=0.45,
        principal_median=8000.0,
        principal_sigma=0.75,
        principal_min=1000,
        principal_max=50000,
        shelf_price=False,
        terms=(3, 6, 12, 18, 24),
        term_weights=(0.12, 0.25, 0.38, 0.12, 0.13),
        apr_base=0.2699,
        apr_per_risk=0.035,
        apr_min=0.1799,
        equal_principal_share=0.20,
        service_fee_share=0.50,
        service_fee_rate=0.0020,
        penalty_share=0.80,
    ),
)

#: The hidden payment archetypes, in a fixed order (their index is stored per loan).
BEHAVIOURS: tuple[str, ...] = ("on_time", "late_then_cure", "partial", "stops_paying", "prepays", "chaotic")
#: Log-weight of each behaviour at average risk, and its change per unit of risk.
BEHAVIOUR_LOG_WEIGHT: tuple[float, ...] = (0.0, -1.35, -2.0, -2.1, -1.9, -2.6)
BEHAVIOUR_RISK_SLOPE: tuple[float, ...] = (0.0, 0.70, 0.85, 1.35, -0.30, 1.10)

#: Contact relations of interchange v1, their sampling weights and consent rates.
RELATIONS: tuple[str, ...] = ("emergency", "spouse", "parent", "relative", "colleague", "friend", "other")
RELATION_WEIGHT: tuple[float, ...] = (0.22, 0.16, 0.24, 0.12, 0.10, 0.12, 0.04)
RELATION_CONSENT: tuple[float, ...] = (0.85, 0.75, 0.80, 0.55, 0.35, 0.45, 0.20)
#: Share of borrowers with 0, 1, 2, 3 contacts.
CONTACT_COUNT_WEIGHT: tuple[float, ...] = (0.15, 0.35, 0.32, 0.18)

#: Share of borrowers who hold two loans.
TWO_LOAN_SHARE = 0.12
