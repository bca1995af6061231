"""Made-up people and places for the demo: Chinese and American names, phones, addresses, birth days."""

from __future__ import annotations

import bisect
import random
from datetime import date, timedelta
from itertools import accumulate

# --- people and places ---------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Roughly Zipf: 王, 李, 张 and 刘 together name about a quarter of the population.
SURNAME_CUM = list(accumulate(1 / (i + 3) for i in range(len(SURNAMES))))
MALE_GIVEN = (
    "伟 强 磊 军 洋 勇 杰 涛 明 超 辉 鹏 华 飞 刚 平 斌 建国 建华 志强 志明 海涛 俊杰 "
    "浩然 子轩 宇航 博文 文博 家豪 晓东 国强 永刚 立新 振华 春生 德明 少华 一鸣 天佑 "
    "思远 子豪 建军 红军 卫东 玉明 金龙 文华 国庆 宏伟"
).split()
FEMALE_GIVEN = (
    "芳 娜 敏 静 丽 艳 娟 霞 秀英 桂英 玉兰 婷婷 雪 琳 颖 倩 佳怡 梓涵 欣怡 思琪 雨萱 "
    "晓燕 丽华 淑珍 海燕 美玲 春梅 雅婷 慧敏 秀兰 红梅 丹 洁 璐 萍 冬梅 玉珍 小红 丽娟 "
    "文静 晓丽 亚楠 嘉欣 诗涵"
).split()

# (province, city, district, ID region code, landline area code): real codes of real districts.
CN_REGIONS = (
    ("北京市", "", "朝阳区", "110105", "010"),
    ("北京市", "", "海淀区", "110108", "010"),
    ("上海市", "", "浦东新区", "310115", "021"),
    ("上海市", "", "徐汇区", "310104", "021"),
    ("天津市", "", "南开区", "120104", "022"),
    ("重庆市", "", "渝北区", "500112", "023"),
    ("广东省", "广州市", "天河区", "440106", "020"),
    ("广东省", "深圳市", "南山区", "440305", "0755"),
    ("广东省", "东莞市", "", "441900", "0769"),
    ("浙江省", "杭州市", "西湖区", "330106", "0571"),
    ("江苏省", "南京市", "鼓楼区", "320106", "025"),
    ("江苏省", "苏州市", "姑苏区", "320508", "0512"),
    ("四川省", "成都市", "武侯区", "510107", "028"),
    ("四川省", "成都市", "锦江区", "510104", "028"),
    ("湖北省", "武汉市", "洪山区", "420111", "027"),
    ("陕西省", "西安市", "雁塔区", "610113", "029"),
    ("山东省", "济南市", "历下区", "370102", "0531"),
    ("山东省", "青岛市", "市南区", "370202", "0532"),
    ("湖南省", "长沙市", "岳麓区", "430104", "0731"),
    ("河南省", "郑州市", "金水区", "410105", "0371"),
    ("福建省", "厦门市", "思明区", "350203", "0592"),
    ("辽宁省", "沈阳市", "和平区", "210102", "024"),
    ("安徽省", "合肥市", "蜀山区", "340104", "0551"),
    ("河北省", "石家庄市", "长安区", "130102", "0311"),
    ("云南省", "昆明市", "五华区", "530102", "0871"),
    ("广西壮族自治区", "南宁市", "青秀区", "450103", "0771"),
    ("江西省", "南昌市", "东湖区", "360102", "0791"),
    ("黑龙江省", "哈尔滨市", "南岗区", "230103", "0451"),
    ("山西省", "太原市", "小店区", "140105", "0351"),
    ("贵州省", "贵阳市", "南明区", "520102", "0851"),
    ("吉林省", "长春市", "朝阳区", "220104", "0431"),
)
CHENGDU = [r for r in CN_REGIONS if r[1] == "成都市"]  # where the property company manages estates
STREETS = (
    "人民路 解放路 中山路 建设路 和平路 新华路 长江路 黄河路 "
    "文化路 学府路 科技路 幸福路 光明路 朝阳路 东风路 胜利路"
).split()
ESTATES = "阳光花园 金色家园 翠湖小区 锦绣华庭 幸福里小区 丽景苑 碧水湾 书香门第 国际花城 滨江壹号".split()
FIRM_WORDS = "恒信 鑫达 华创 众诚 佳和 新锐 博远 瑞祥 天成 宏图 金鹏 联创 盛世 嘉禾 永安".split()
FIRM_TRADES = "科技 贸易 建筑工程 物流 餐饮管理 电子 商贸 装饰工程 教育咨询 医药 汽车服务 房地产经纪".split()
CN_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 "
    "171 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
).split()
CN_RELATIONS = ("配偶", "父亲", "母亲", "朋友", "同事", "兄弟", "姐妹")
CN_RELATION_CUM = list(accumulate((30, 18, 18, 14, 12, 4, 4)))

US_FIRST_MALE = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew "
    "Anthony Mark Steven Andrew Joshua Kevin Brian Jose Luis Carlos Kenneth Ryan Jason Tyler Marcus"
).split()
US_FIRST_FEMALE = (
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra "
    "Ashley Emily Donna Michelle Amanda Melissa Maria Rosa Keisha Laura Stephanie Nicole Megan Angela"
).split()
US_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Wong Patel Kim"
).split()
# (city, state, ZIP prefix, area codes, zone)
US_CITIES = (
    ("New York", "NY", "100", ("212", "646", "718"), "America/New_York"),
    ("Boston", "MA", "021", ("617",), "America/New_York"),
    ("Atlanta", "GA", "303", ("404", "470"), "America/New_York"),
    ("Miami", "FL", "331", ("305", "786"), "America/New_York"),
    ("Chicago", "IL", "606", ("312", "773"), "America/Chicago"),
    ("Houston", "TX", "770", ("713", "832"), "America/Chicago"),
    ("Dallas", "TX", "752", ("214", "469"), "America/Chicago"),
    ("Nashville", "TN", "372", ("615",), "America/Chicago"),
    ("Denver", "CO", "802", ("303", "720"), "America/Denver"),
    ("Phoenix", "AZ", "850", ("602", "480"), "America/Phoenix"),
    ("Seattle", "WA", "981", ("206",), "America/Los_Angeles"),
    ("Portland", "OR", "972", ("503", "971"), "America/Los_Angeles"),
    ("San Francisco", "CA", "941", ("415",), "America/Los_Angeles"),
    ("Los Angeles", "CA", "900", ("213", "310"), "America/Los_Angeles"),
)
US_STREETS = "Oak Maple Cedar Pine Elm Washington Lake Hill Park Main Sunset Highland Franklin".split()
US_SUFFIXES = ("St", "Ave", "Blvd", "Dr", "Ln", "Rd", "Ct")
US_FIRM_WORDS = "Summit Pioneer Lakeside Evergreen Granite Bluewater Redwood Keystone Liberty".split()
US_FIRM_TRADES = "Logistics Health Foods Construction Retail Staffing Auto Hospitality Systems".split()
US_MAIL = ("example.com", "example.net", "example.org")  # reserved domains: the demo mails nobody
US_RELATIONS = ("spouse", "parent", "sibling", "friend", "colleague")

CN_ZONE = "Asia/Shanghai"


def cn_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    family = surname or SURNAMES[bisect.bisect(SURNAME_CUM, rng.random() * SURNAME_CUM[-1])]
    return family + rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)


def cn_mobile(rng: random.Random) -> str:
    return f"{rng.choice(CN_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


SEVEN_DIGIT_AREAS = frozenset({"0351", "0592", "0771"})  # cities whose local numbers still have 7 digits


def cn_landline(rng: random.Random, area: str) -> str:
    # A local number starts 2-7 (8 is taken by special services in some cities).
    width = 6 if area in SEVEN_DIGIT_AREAS else 7
    rest = rng.randrange(10**width)
    return f"{area}-{rng.randint(2, 7)}{rest:0{width}d}"


def cn_address(rng: random.Random, region: tuple[str, ...]) -> str:
    province, city, district = region[0], region[1], region[2]
    return (
        f"{province}{city}{district}{rng.choice(STREETS)}{rng.randint(1, 399)}号{rng.choice(ESTATES)}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
    )


def us_phone(rng: random.Random, area: str) -> str:
    while True:
        exchange = rng.randint(201, 999)
        if exchange % 100 != 11 and exchange != 555:  # N11 codes and the 555 fiction block
            return f"({area}) {exchange}-{rng.randrange(10_000):04d}"


def random_birth(rng: random.Random, today: date, low: int = 22, high: int = 62) -> date:
    return today - timedelta(days=rng.randint(low * 365, high * 365))
