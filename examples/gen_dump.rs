//! Deterministic generator of a realistic customs dump for benchmarks.
//!
//! ```text
//! cargo run --release --example gen_dump -- --bytes 1000000000 --out bench-data/dump.csv
//! cargo run --release --example gen_dump -- --rows 10000 --seed 7 --out -
//! ```
//!
//! Columns: `id,hs_code,description,country,value_usd`; with `--shape
//! vendor`, the 13 columns of a customs data vendor's export
//! ([`VENDOR_HEADER`]: declaration number, item, date, code, description,
//! exporter, importer, origin and trading country, value, weight, quantity,
//! unit), with a pool of importers written in three spellings each, and a
//! few importers that declare nothing of high priority until July 2024 and
//! then import it from China through a transit country. Lines have the shapes
//! of real declarations: upper-case Russian TN VED wording with maker, brand
//! and model attributes, Chinese declaration elements separated by `/` and
//! `|`, terse English bills of lading, some German. About 3% of rows declare
//! high-priority goods (chips, bearings, CNC machines, drones, thermal sights,
//! GNSS, radios, gyroscopes); the rest are ordinary goods, including
//! look-alike traps (potato chips, chipboard, pleated blinds, trailers,
//! load-bearing beams). HS codes come in mixed formats or are absent. Fields
//! with commas or quotes are quoted; a few descriptions hold line breaks.
//!
//! The same seed always gives the same bytes: the PRNG is a fixed xorshift,
//! and nothing depends on the clock, the locale or hash order. The benches
//! include this file as a module (`#[path]`) to use [`DumpGen`] in-process.

use std::io::Write;

/// xorshift64* — small, fast, and stable across platforms and versions.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is remapped: xorshift must not start at 0).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: u64) -> u64 {
        (self.next_u64() >> 11) % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `permille / 1000`.
    pub fn permille(&mut self, permille: u64) -> bool {
        self.below(1000) < permille
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// One generated declaration line.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// Declaration number / item, e.g. `10702070/150324/3012345/12`.
    pub id: String,
    /// The declared HS code as written (possibly empty).
    pub hs: String,
    /// The goods description.
    pub text: String,
    /// Country of origin (ISO 3166 alpha-2).
    pub country: &'static str,
    /// Customs value in USD, two decimals.
    pub value: String,
    /// Whether the generator meant this row to be a high-priority good
    /// (ground truth of the generator, not of the rules).
    pub high_priority: bool,
}

/// Ordinary goods: HS code, Russian, English, Chinese, German wording.
/// Several are deliberate look-alikes of high-priority words.
const ORDINARY: &[(&str, &str, &str, &str, &str)] = &[
    (
        "1806329000",
        "ШОКОЛАД МОЛОЧНЫЙ В ПЛИТКАХ, НЕ НАЧИНЕННЫЙ, С ДОБАВЛЕНИЕМ ОРЕХОВ",
        "MILK CHOCOLATE BARS WITH HAZELNUTS",
        "牛奶巧克力",
        "Milchschokolade in Tafeln mit Haselnüssen",
    ),
    (
        "1905319100",
        "ПЕЧЕНЬЕ СЛАДКОЕ СДОБНОЕ, НЕ СОДЕРЖАЩЕЕ КАКАО, В ИНДИВИДУАЛЬНОЙ УПАКОВКЕ",
        "SWEET BISCUITS BUTTER COOKIES",
        "黄油饼干",
        "Butterkekse, süß",
    ),
    (
        "0805102200",
        "АПЕЛЬСИНЫ СВЕЖИЕ СОРТ НАВЕЛ, УРОЖАЙ ТЕКУЩЕГО ГОДА",
        "FRESH ORANGES NAVEL CLASS I",
        "鲜橙",
        "Frische Orangen, Navel, Klasse I",
    ),
    (
        "0902300000",
        "ЧАЙ ЧЕРНЫЙ ФЕРМЕНТИРОВАННЫЙ В ПАКЕТИКАХ ДЛЯ РАЗОВОЙ ЗАВАРКИ",
        "BLACK TEA IN BAGS 2G X 100",
        "红茶",
        "Schwarzer Tee in Beuteln",
    ),
    (
        "2005202000",
        "ЧИПСЫ КАРТОФЕЛЬНЫЕ ОБЖАРЕННЫЕ СО ВКУСОМ СМЕТАНЫ И ЛУКА",
        "POTATO CHIPS SOUR CREAM AND ONION 150G",
        "薯片",
        "Kartoffelchips Sour Cream",
    ),
    (
        "1806209500",
        "ШОКОЛАДНЫЕ КАПЛИ (CHOCOLATE CHIPS) ТЕРМОСТАБИЛЬНЫЕ ДЛЯ ВЫПЕЧКИ",
        "CHOCOLATE CHIPS DARK 54% FOR BAKERY",
        "烘焙用巧克力豆",
        "Schokodrops zartbitter zum Backen",
    ),
    (
        "6109100000",
        "ФУТБОЛКИ ТРИКОТАЖНЫЕ МАШИННОГО ВЯЗАНИЯ ИЗ ХЛОПЧАТОБУМАЖНОЙ ПРЯЖИ МУЖСКИЕ",
        "MEN'S KNITTED COTTON T-SHIRTS",
        "棉制针织男式T恤衫",
        "Herren-T-Shirts aus Baumwolle, gewirkt",
    ),
    (
        "6203423100",
        "БРЮКИ МУЖСКИЕ ИЗ ДЖИНСОВОЙ ТКАНИ ХЛОПЧАТОБУМАЖНОЙ",
        "MEN'S DENIM JEANS 100% COTTON",
        "男式棉制牛仔长裤",
        "Herrenjeans aus Denim",
    ),
    (
        "6404110000",
        "ОБУВЬ СПОРТИВНАЯ С ВЕРХОМ ИЗ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ И ПОДОШВОЙ ИЗ РЕЗИНЫ",
        "SPORTS SHOES TEXTILE UPPER RUBBER SOLE",
        "运动鞋",
        "Sportschuhe mit Obermaterial aus Textil",
    ),
    (
        "9403600009",
        "МЕБЕЛЬ ДЕРЕВЯННАЯ ДЛЯ СТОЛОВЫХ: СТОЛ ОБЕДЕННЫЙ РАЗДВИЖНОЙ, МАССИВ ДУБА",
        "WOODEN DINING TABLE OAK EXTENDABLE",
        "实木餐桌",
        "Esstisch aus Eiche massiv, ausziehbar",
    ),
    (
        "4410110000",
        "ПЛИТЫ ДРЕВЕСНО-СТРУЖЕЧНЫЕ (ДСП) ЛАМИНИРОВАННЫЕ, ТОЛЩИНА 16 ММ",
        "LAMINATED CHIPBOARD PANELS 16MM",
        "三聚氰胺刨花板",
        "Spanplatten melaminbeschichtet 16 mm",
    ),
    (
        "6303920000",
        "ШТОРЫ ПЛИССЕ ИЗ СИНТЕТИЧЕСКИХ НИТЕЙ, ГОТОВЫЕ ИЗДЕЛИЯ",
        "PLEATED BLINDS POLYESTER READY MADE",
        "百褶帘",
        "Plissee-Rollos aus Polyester",
    ),
    (
        "9503004100",
        "ИГРУШКИ МЯГКИЕ НАБИВНЫЕ ИЗ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ В ВИДЕ ЖИВОТНЫХ",
        "PLUSH TOYS STUFFED ANIMALS ASSORTED",
        "毛绒玩具",
        "Plüschtiere, gefüllt",
    ),
    (
        "9503007000",
        "ИГРУШКА МАШИНКА РАДИОУПРАВЛЯЕМАЯ ИЗ ПЛАСТМАССЫ НА БАТАРЕЙКАХ",
        "RC TOY CAR PLASTIC BATTERY OPERATED",
        "遥控玩具车",
        "Ferngesteuertes Spielzeugauto",
    ),
    (
        "8205400009",
        "ИНСТРУМЕНТЫ РУЧНЫЕ СЛЕСАРНЫЕ: НАБОР ОТВЕРТОК С ДИЭЛЕКТРИЧЕСКИМИ РУКОЯТКАМИ",
        "HAND TOOLS SCREWDRIVER SET 12PCS",
        "螺丝刀套装",
        "Schraubendreher-Satz 12-teilig",
    ),
    (
        "8467211000",
        "ДРЕЛЬ ЭЛЕКТРИЧЕСКАЯ РУЧНАЯ УДАРНАЯ СО ВСТРОЕННЫМ ДВИГАТЕЛЕМ 220В",
        "ELECTRIC IMPACT DRILL 220V 850W",
        "电动冲击钻",
        "Schlagbohrmaschine 850 W",
    ),
    (
        "8716398009",
        "ПРИЦЕП ЛЕГКОВОЙ БОРТОВОЙ ОДНООСНЫЙ, ПОЛНАЯ МАССА 750 КГ",
        "LIGHT CAR TRAILER SINGLE AXLE 750KG",
        "轻型汽车挂车",
        "PKW-Anhänger einachsig 750 kg",
    ),
    (
        "7308909809",
        "КОНСТРУКЦИИ МЕТАЛЛИЧЕСКИЕ НЕСУЩИЕ: БАЛКИ СТАЛЬНЫЕ СВАРНЫЕ",
        "LOAD-BEARING STEEL BEAMS WELDED",
        "承重钢梁",
        "Tragende Stahlträger, geschweißt",
    ),
    (
        "8516603000",
        "ПЛИТКА ЭЛЕКТРИЧЕСКАЯ БЫТОВАЯ НАСТОЛЬНАЯ ДВУХКОНФОРОЧНАЯ",
        "ELECTRIC HOT PLATE DOUBLE HOUSEHOLD",
        "家用电热炉",
        "Doppelkochplatte elektrisch",
    ),
    (
        "8418102001",
        "ХОЛОДИЛЬНИК БЫТОВОЙ ДВУХКАМЕРНЫЙ С МОРОЗИЛЬНОЙ КАМЕРОЙ, ОБЪЕМ 300 Л",
        "REFRIGERATOR DOUBLE DOOR 300L",
        "双门冰箱",
        "Kühl-Gefrierkombination 300 l",
    ),
    (
        "3304990000",
        "КРЕМ ДЛЯ ЛИЦА УВЛАЖНЯЮЩИЙ, СРЕДСТВО КОСМЕТИЧЕСКОЕ ДЛЯ УХОДА ЗА КОЖЕЙ",
        "FACE CREAM MOISTURISING 50ML",
        "保湿面霜",
        "Feuchtigkeitscreme Gesicht 50 ml",
    ),
    (
        "3401110001",
        "МЫЛО ТУАЛЕТНОЕ ТВЕРДОЕ В БРУСКАХ",
        "TOILET SOAP BARS 100G",
        "香皂",
        "Toilettenseife, Stück",
    ),
    (
        "4011100003",
        "ШИНЫ ПНЕВМАТИЧЕСКИЕ РЕЗИНОВЫЕ НОВЫЕ ДЛЯ ЛЕГКОВЫХ АВТОМОБИЛЕЙ",
        "NEW PNEUMATIC TYRES FOR PASSENGER CARS 205/55R16",
        "轿车子午线轮胎",
        "PKW-Reifen neu 205/55 R16",
    ),
    (
        "8708100009",
        "ЧАСТИ КУЗОВА ЛЕГКОВОГО АВТОМОБИЛЯ: БАМПЕР ПЕРЕДНИЙ В СБОРЕ",
        "FRONT BUMPER ASSY FOR PASSENGER CAR",
        "汽车前保险杠总成",
        "Frontstoßstange für Pkw",
    ),
    (
        "6907219000",
        "ПЛИТКА КЕРАМИЧЕСКАЯ НАПОЛЬНАЯ ГЛАЗУРОВАННАЯ 600Х600 ММ",
        "GLAZED CERAMIC FLOOR TILES 600X600",
        "釉面瓷砖",
        "Keramische Bodenfliesen glasiert 60x60",
    ),
    (
        "7013280000",
        "БОКАЛЫ ДЛЯ ВИНА ИЗ СТЕКЛА, НАБОР 6 ШТ",
        "WINE GLASSES SET OF 6",
        "玻璃红酒杯",
        "Weingläser 6er-Set",
    ),
    (
        "3924100000",
        "ПОСУДА КУХОННАЯ ИЗ ПЛАСТМАСС: КОНТЕЙНЕРЫ ДЛЯ ХРАНЕНИЯ ПРОДУКТОВ",
        "PLASTIC FOOD STORAGE CONTAINERS",
        "塑料保鲜盒",
        "Frischhaltedosen aus Kunststoff",
    ),
    (
        "4819100000",
        "КОРОБКИ ИЗ ГОФРИРОВАННОГО КАРТОНА, НЕ ДЛЯ ПИЩЕВЫХ ПРОДУКТОВ",
        "CORRUGATED CARTON BOXES",
        "瓦楞纸箱",
        "Wellpappkartons",
    ),
    (
        "9619008109",
        "ПОДГУЗНИКИ ДЕТСКИЕ ОДНОРАЗОВЫЕ, РАЗМЕР 4 (9-14 КГ)",
        "BABY DIAPERS SIZE 4",
        "婴儿纸尿裤",
        "Babywindeln Größe 4",
    ),
    (
        "8528721000",
        "ТЕЛЕВИЗОР ЦВЕТНОГО ИЗОБРАЖЕНИЯ ЖК С LED ПОДСВЕТКОЙ, ДИАГОНАЛЬ 55 ДЮЙМОВ",
        "LED TV 55 INCH SMART",
        "55英寸液晶电视机",
        "LED-Fernseher 55 Zoll",
    ),
    (
        "8509400000",
        "БЛЕНДЕР БЫТОВОЙ ЭЛЕКТРОМЕХАНИЧЕСКИЙ СО ВСТРОЕННЫМ ДВИГАТЕЛЕМ",
        "HOUSEHOLD BLENDER 1.5L",
        "家用搅拌机",
        "Standmixer 1,5 l",
    ),
    (
        "9102110000",
        "ЧАСЫ НАРУЧНЫЕ КВАРЦЕВЫЕ С ЭЛЕКТРИЧЕСКИМ ПИТАНИЕМ, В КОРПУСЕ ИЗ НЕРЖАВЕЮЩЕЙ СТАЛИ",
        "QUARTZ WRISTWATCHES STAINLESS CASE",
        "石英手表",
        "Quarz-Armbanduhren Edelstahl",
    ),
    (
        "4202219000",
        "СУМКИ ЖЕНСКИЕ С ЛИЦЕВОЙ ПОВЕРХНОСТЬЮ ИЗ ИСКУССТВЕННОЙ КОЖИ",
        "LADIES HANDBAGS PU LEATHER",
        "女士手提包",
        "Damenhandtaschen aus Kunstleder",
    ),
    (
        "9506910000",
        "ТРЕНАЖЕР ВЕЛОСИПЕДНЫЙ ДЛЯ ФИТНЕСА, ДЛЯ ДОМАШНЕГО ИСПОЛЬЗОВАНИЯ",
        "EXERCISE BIKE FOR HOME FITNESS",
        "家用健身车",
        "Heimtrainer Fahrrad",
    ),
    (
        "9506701000",
        "СКЕЙТБОРДЫ В СБОРЕ С КОЛЕСАМИ ИЗ ПОЛИУРЕТАНА",
        "SKATEBOARD COMPLETE 31 INCH",
        "滑板",
        "Skateboard komplett",
    ),
    (
        "9405119009",
        "СВЕТИЛЬНИКИ СВЕТОДИОДНЫЕ ПОТОЛОЧНЫЕ ДЛЯ ЖИЛЫХ ПОМЕЩЕНИЙ",
        "LED CEILING LIGHTS 24W",
        "LED吸顶灯",
        "LED-Deckenleuchten 24 W",
    ),
    (
        "3926909709",
        "ЧЕХЛЫ ДЛЯ МОБИЛЬНЫХ ТЕЛЕФОНОВ ИЗ ПЛАСТМАССЫ (ТПУ)",
        "PHONE CASES TPU ASSORTED",
        "手机壳",
        "Handyhüllen aus TPU",
    ),
    (
        "9004109100",
        "ОЧКИ СОЛНЦЕЗАЩИТНЫЕ С ЛИНЗАМИ ИЗ ПЛАСТМАССЫ",
        "SUNGLASSES PLASTIC FRAME",
        "太阳镜",
        "Sonnenbrillen",
    ),
    (
        "6302210000",
        "БЕЛЬЕ ПОСТЕЛЬНОЕ ИЗ ХЛОПЧАТОБУМАЖНОЙ ТКАНИ С НАБИВНЫМ РИСУНКОМ",
        "COTTON BED LINEN SETS PRINTED",
        "纯棉印花床上用品",
        "Bettwäsche aus Baumwolle, bedruckt",
    ),
    (
        "0306179300",
        "КРЕВЕТКИ ВАРЕНО-МОРОЖЕНЫЕ ОЧИЩЕННЫЕ",
        "FROZEN COOKED PEELED SHRIMP",
        "冷冻熟虾仁",
        "Garnelen gekocht, geschält, tiefgekühlt",
    ),
    (
        "2009719900",
        "СОК ЯБЛОЧНЫЙ ВОССТАНОВЛЕННЫЙ ОСВЕТЛЕННЫЙ",
        "APPLE JUICE FROM CONCENTRATE",
        "苹果汁",
        "Apfelsaft aus Konzentrat",
    ),
    (
        "8421210009",
        "ФИЛЬТРЫ ДЛЯ ОЧИСТКИ ВОДЫ БЫТОВЫЕ, СМЕННЫЕ КАРТРИДЖИ",
        "WATER FILTER CARTRIDGES HOUSEHOLD",
        "家用净水滤芯",
        "Wasserfilterkartuschen",
    ),
    (
        "9401310000",
        "КРЕСЛА ОФИСНЫЕ ВРАЩАЮЩИЕСЯ С РЕГУЛИРОВКОЙ ВЫСОТЫ",
        "OFFICE CHAIRS SWIVEL HEIGHT ADJUSTABLE",
        "办公转椅",
        "Bürodrehstühle höhenverstellbar",
    ),
    (
        "8302420000",
        "НАПРАВЛЯЮЩИЕ ТЕЛЕСКОПИЧЕСКИЕ ДЛЯ МЕБЕЛЬНЫХ ЯЩИКОВ",
        "DRAWER SLIDES FULL EXTENSION FOR FURNITURE",
        "家具抽屉滑轨",
        "Vollauszüge für Schubladen",
    ),
    (
        "8714960000",
        "ПЕДАЛИ ВЕЛОСИПЕДНЫЕ АЛЮМИНИЕВЫЕ",
        "BICYCLE PEDALS ALUMINIUM",
        "自行车脚踏",
        "Fahrradpedale Aluminium",
    ),
    (
        "8544429007",
        "КАБЕЛЬ ДЛЯ ЗАРЯДКИ МОБИЛЬНЫХ ТЕЛЕФОНОВ, ДЛИНА 1 М",
        "CHARGING CABLE 1M FOR MOBILE PHONES",
        "手机充电线",
        "Ladekabel 1 m",
    ),
    (
        "6110201000",
        "СВИТЕРЫ ЖЕНСКИЕ ТРИКОТАЖНЫЕ ИЗ ХЛОПКА",
        "LADIES COTTON SWEATERS KNITTED",
        "女式棉制针织毛衣",
        "Damenpullover aus Baumwolle",
    ),
    (
        "7323930000",
        "КАСТРЮЛИ ИЗ НЕРЖАВЕЮЩЕЙ СТАЛИ, НАБОР 3 ПРЕДМЕТА",
        "STAINLESS STEEL COOKING POTS SET",
        "不锈钢锅具套装",
        "Kochtopf-Set Edelstahl",
    ),
    (
        "3923210000",
        "ПАКЕТЫ ИЗ ПОЛИЭТИЛЕНА ДЛЯ МУСОРА",
        "POLYETHYLENE GARBAGE BAGS",
        "聚乙烯垃圾袋",
        "Müllbeutel aus Polyethylen",
    ),
    (
        "8481809907",
        "СМЕСИТЕЛИ ДЛЯ УМЫВАЛЬНИКОВ ЛАТУННЫЕ ХРОМИРОВАННЫЕ",
        "BASIN MIXER TAPS CHROME BRASS",
        "黄铜面盆龙头",
        "Waschtischarmaturen Messing verchromt",
    ),
    (
        "9405500000",
        "ФОНАРИ НАЛОБНЫЕ СВЕТОДИОДНЫЕ ДЛЯ ТУРИЗМА",
        "LED HEADLAMPS FOR CAMPING",
        "LED头灯",
        "LED-Stirnlampen",
    ),
    (
        "9507200000",
        "КРЮЧКИ РЫБОЛОВНЫЕ СТАЛЬНЫЕ",
        "FISHING HOOKS STEEL",
        "钢制鱼钩",
        "Angelhaken aus Stahl",
    ),
    (
        "4418730000",
        "ПАНЕЛИ ПАРКЕТНЫЕ СОБРАННЫЕ ИЗ БАМБУКА",
        "BAMBOO PARQUET FLOOR PANELS",
        "竹地板",
        "Bambus-Parkett",
    ),
    (
        "6911100000",
        "ПОСУДА СТОЛОВАЯ ФАРФОРОВАЯ: ТАРЕЛКИ, ЧАШКИ",
        "PORCELAIN TABLEWARE PLATES CUPS",
        "瓷餐具",
        "Porzellangeschirr",
    ),
    (
        "8516310000",
        "ФЕНЫ ДЛЯ СУШКИ ВОЛОС БЫТОВЫЕ",
        "HAIR DRYERS 2000W",
        "电吹风",
        "Haartrockner 2000 W",
    ),
    (
        "9603210000",
        "ЩЕТКИ ЗУБНЫЕ ИЗ ПЛАСТМАССЫ",
        "TOOTHBRUSHES PLASTIC",
        "牙刷",
        "Zahnbürsten",
    ),
    (
        "9608101000",
        "РУЧКИ ШАРИКОВЫЕ С ЧЕРНИЛАМИ НА МАСЛЯНОЙ ОСНОВЕ",
        "BALLPOINT PENS BLUE INK",
        "圆珠笔",
        "Kugelschreiber blau",
    ),
    (
        "0406908800",
        "СЫР ПОЛУТВЕРДЫЙ, МАССОВАЯ ДОЛЯ ЖИРА 45%",
        "SEMI-HARD CHEESE 45% FAT",
        "半硬质奶酪",
        "Schnittkäse 45 % Fett i. Tr.",
    ),
    (
        "2204219800",
        "ВИНО ВИНОГРАДНОЕ НАТУРАЛЬНОЕ КРАСНОЕ СУХОЕ",
        "RED DRY WINE 0.75L",
        "干红葡萄酒",
        "Rotwein trocken 0,75 l",
    ),
    (
        "8415101000",
        "КОНДИЦИОНЕРЫ ВОЗДУХА НАСТЕННЫЕ СПЛИТ-СИСТЕМЫ",
        "SPLIT AIR CONDITIONERS WALL MOUNTED",
        "壁挂式分体空调",
        "Split-Klimageräte Wandmontage",
    ),
    (
        "8450111100",
        "МАШИНЫ СТИРАЛЬНЫЕ БЫТОВЫЕ С ФРОНТАЛЬНОЙ ЗАГРУЗКОЙ",
        "WASHING MACHINES FRONT LOADING",
        "滚筒洗衣机",
        "Waschmaschinen Frontlader",
    ),
    (
        "9032108900",
        "ТЕРМОСТАТЫ КОМНАТНЫЕ ДЛЯ ОТОПЛЕНИЯ",
        "ROOM THERMOSTATS FOR HEATING",
        "室内温控器",
        "Raumthermostate",
    ),
];

/// High-priority goods: HS code, Russian head, English head, Chinese head,
/// German head, and the model / part numbers typical of the kind.
type Hp = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const HIGH_PRIORITY: &[Hp] = &[
    (
        "8542319000",
        "МИКРОСХЕМА ИНТЕГРАЛЬНАЯ ЭЛЕКТРОННАЯ, МИКРОКОНТРОЛЛЕР 32-РАЗРЯДНЫЙ",
        "IC MCU 32BIT ARM CORTEX-M4",
        "集成电路",
        "Integrierte Schaltung, Mikrocontroller",
        &[
            "STM32F407VGT6",
            "STM32F103C8T6",
            "STM32H743ZIT6",
            "LPC1768FBD100",
            "ATSAM3X8EA-AU",
            "TMS320F28335PGFA",
        ],
    ),
    (
        "8542399000",
        "МИКРОСХЕМА ПЛИС (ПРОГРАММИРУЕМАЯ ЛОГИЧЕСКАЯ ИНТЕГРАЛЬНАЯ СХЕМА)",
        "FPGA FIELD PROGRAMMABLE GATE ARRAY",
        "现场可编程门阵列",
        "FPGA-Baustein",
        &[
            "XC7K325T-2FFG900I",
            "XC7Z020-1CLG400C",
            "XC7A100T-2FGG484I",
            "EP4CE22F17C8N",
            "10M08SAE144C8G",
        ],
    ),
    (
        "8542330000",
        "МИКРОСХЕМА ИНТЕГРАЛЬНАЯ УСИЛИТЕЛЬ, ПРЕОБРАЗОВАТЕЛЬ АНАЛОГО-ЦИФРОВОЙ",
        "IC ADC 16BIT / RF TRANSCEIVER",
        "模数转换器芯片",
        "Analog-Digital-Wandler IC",
        &[
            "AD9361BBCZ",
            "ADUM1201ARZ",
            "ADS1256IDBR",
            "AD7606BSTZ",
            "LTC2000IY-16",
        ],
    ),
    (
        "8482100900",
        "ПОДШИПНИК ШАРИКОВЫЙ РАДИАЛЬНЫЙ ОДНОРЯДНЫЙ С ЗАЩИТНЫМИ ШАЙБАМИ",
        "BALL BEARING DEEP GROOVE",
        "深沟球轴承",
        "Rillenkugellager",
        &[
            "6204-2RS",
            "6205-2Z",
            "6305-2RS1",
            "6008ZZ",
            "6206-2RSH/C3",
            "61806-2RZ",
        ],
    ),
    (
        "8482200000",
        "ПОДШИПНИК РОЛИКОВЫЙ КОНИЧЕСКИЙ",
        "TAPERED ROLLER BEARING",
        "圆锥滚子轴承",
        "Kegelrollenlager",
        &["32210", "30205", "32008X", "33213", "HM218248/10"],
    ),
    (
        "8482300000",
        "ПОДШИПНИК РОЛИКОВЫЙ СФЕРИЧЕСКИЙ",
        "SPHERICAL ROLLER BEARING",
        "调心滚子轴承",
        "Pendelrollenlager",
        &["22220E", "22312EK", "23120CC/W33", "21310E"],
    ),
    (
        "8457101000",
        "ЦЕНТР ОБРАБАТЫВАЮЩИЙ ВЕРТИКАЛЬНЫЙ ФРЕЗЕРНЫЙ С ЧПУ, СИСТЕМА ЧПУ FANUC 0I-MF",
        "CNC VERTICAL MACHINING CENTER",
        "数控立式加工中心",
        "CNC-Vertikal-Bearbeitungszentrum",
        &["VMC850", "VMC1160", "DMU 50", "VF-2SS", "MV-1060"],
    ),
    (
        "8458110000",
        "СТАНОК ТОКАРНЫЙ С ЧИСЛОВЫМ ПРОГРАММНЫМ УПРАВЛЕНИЕМ, ПЯТИОСЕВОЙ",
        "5-AXIS CNC LATHE TURNING CENTER",
        "五轴数控车床",
        "5-Achsen-CNC-Drehmaschine",
        &["CK6150", "HTC2550", "CTX 510", "QT-200"],
    ),
    (
        "8806229000",
        "БЕСПИЛОТНЫЙ ЛЕТАТЕЛЬНЫЙ АППАРАТ (КВАДРОКОПТЕР) С КАМЕРОЙ",
        "UAV QUADCOPTER DRONE WITH CAMERA",
        "无人机",
        "Drohne Quadrocopter mit Kamera",
        &[
            "DJI MAVIC 3 PRO",
            "DJI MAVIC 3T",
            "DJI MATRICE 30T",
            "AUTEL EVO MAX 4T",
            "FPV 7 INCH",
        ],
    ),
    (
        "9013100000",
        "ПРИЦЕЛ ТЕПЛОВИЗИОННЫЙ ДЛЯ ОХОТНИЧЬЕГО ОРУЖИЯ, МАТРИЦА 640Х512, 50 ГЦ",
        "THERMAL IMAGING RIFLE SCOPE 640X512 50HZ",
        "热成像瞄准镜",
        "Wärmebild-Zielfernrohr 640x512",
        &[
            "HIKMICRO STELLAR SH35",
            "PULSAR THERMION 2 LRF XP50",
            "INFIRAY TUBE TH50",
            "IRAY RICO G LRF",
        ],
    ),
    (
        "8526918000",
        "ПРИЕМНИК ГНСС ГЛОНАСС/GPS, МОДУЛЬ НАВИГАЦИОННЫЙ",
        "GNSS RECEIVER MODULE GPS/GLONASS",
        "北斗GNSS定位模块",
        "GNSS-Empfängermodul",
        &[
            "U-BLOX NEO-M8N",
            "U-BLOX ZED-F9P",
            "NOVATEL OEM7720",
            "UM980",
        ],
    ),
    (
        "8517620009",
        "РАДИОСТАНЦИЯ ПОРТАТИВНАЯ ЦИФРОВАЯ (ПРИЕМОПЕРЕДАТЧИК) УКВ ДИАПАЗОНА",
        "HANDHELD RADIO TRANSCEIVER VHF/UHF",
        "数字对讲机",
        "Handfunkgerät digital",
        &[
            "MOTOROLA DP4400E",
            "HYTERA PD785",
            "BAOFENG UV-5R",
            "KENWOOD NX-1300",
        ],
    ),
    (
        "9014208000",
        "ГИРОСКОП ВОЛОКОННО-ОПТИЧЕСКИЙ, ИНЕРЦИАЛЬНЫЙ ИЗМЕРИТЕЛЬНЫЙ БЛОК",
        "FIBER OPTIC GYROSCOPE IMU",
        "光纤陀螺惯性测量单元",
        "Faserkreisel, Inertialmesseinheit",
        &["ADIS16488", "STIM300", "HG4930", "KVH DSP-1760"],
    ),
];

const BRANDS: &[&str] = &[
    "NINGBO HOMEWARE",
    "XIAOMI",
    "HAIER",
    "MIDEA",
    "BOSCH",
    "DELI",
    "ANTA",
    "LI-NING",
    "ROSHEN",
    "NESTLE",
    "OTSUTSTVUET",
    "BEKO",
    "IKEA",
    "TOMMY",
    "GREE",
    "ZARA",
    "KOTON",
    "LC WAIKIKI",
    "CHERY",
    "GEELY",
    "TOTAL TOOLS",
    "INGCO",
    "DECATHLON",
    "KINGSTONE",
    "ARTEL",
];

const MAKERS: &[&str] = &[
    "GUANGZHOU HUAXIN TRADING CO., LTD",
    "YIWU JINHONG IMPORT & EXPORT CO., LTD",
    "NINGBO BEILUN SUNNY INDUSTRY CO., LTD.",
    "SHENZHEN OCEAN STAR ELECTRONICS CO., LTD",
    "ООО \"ТОРГОВЫЙ ДОМ СЕВЕР\"",
    "ZHEJIANG KAIDA MACHINERY CO.,LTD",
    "ISTANBUL TEKSTIL SAN. VE TIC. A.S.",
    "BOSCH GMBH",
    "HEBEI XINGTAI HARDWARE FACTORY",
    "DONGGUAN LONGFA PLASTIC PRODUCTS CO. LTD",
    "ТОО \"КАЗТРЕЙД\"",
    "ОТСУТСТВУЕТ",
    "MERSIN FRESH FRUIT LTD. STI.",
    "QINGDAO HAIDA TYRE CO., LTD",
];

const CHIP_BRANDS: &[&str] = &[
    "ST",
    "XILINX",
    "ANALOG DEVICES",
    "TEXAS INSTRUMENTS",
    "INTEL",
    "NXP",
    "MICROCHIP",
    "SKF",
    "FAG",
    "NSK",
    "NTN",
    "TIMKEN",
    "KOYO",
    "DMG MORI",
    "HAAS",
    "MAZAK",
    "DJI",
    "AUTEL",
];

const RU_TAILS: &[&str] = &[
    "НЕ ЯВЛЯЕТСЯ ТОВАРОМ ДВОЙНОГО НАЗНАЧЕНИЯ",
    "НЕ ВОЕННОГО НАЗНАЧЕНИЯ",
    "НЕ СОДЕРЖИТ ЭТИЛОВОГО СПИРТА",
    "ДЛЯ РОЗНИЧНОЙ ПРОДАЖИ",
    "В УПАКОВКЕ: КАРТОННЫЕ КОРОБКИ НА ПОДДОНАХ",
    "НЕ ЛОМ ЭЛЕКТРООБОРУДОВАНИЯ",
    "НЕ ДЛЯ ВЕТЕРИНАРИИ",
    "ГОД ВЫПУСКА 2024",
    "СЕРТИФИКАТ СООТВЕТСТВИЯ ЕАЭС RU C-CN.АБ12.В.01234",
];

const ZH_USES: &[&str] = &[
    "家用",
    "工业用",
    "日常用",
    "食用",
    "装饰用",
    "工业控制",
    "通讯用",
    "零售",
];
const ZH_MATS: &[&str] = &[
    "塑料",
    "棉",
    "不锈钢",
    "木",
    "玻璃",
    "聚酯纤维",
    "铝合金",
    "陶瓷",
];

const EN_TAILS: &[&str] = &[
    "SHIPPER'S LOAD, STOW AND COUNT",
    "FREIGHT PREPAID",
    "SAID TO CONTAIN",
    "NO WOOD PACKING MATERIAL",
    "CLEAN ON BOARD",
    "14 DAYS FREE TIME AT DESTINATION",
];

const COUNTRIES: &[&str] = &[
    "CN", "CN", "CN", "CN", "TR", "TR", "IN", "DE", "KZ", "AE", "HK", "US", "JP", "KR", "BY", "UZ",
    "AM", "KG", "VN", "IT",
];

/// The generator: one instance yields a deterministic sequence of rows.
pub struct DumpGen {
    rng: Rng,
    n: u64,
    /// High-priority rows per 100,000 rows.
    pub hp_per_100k: u64,
}

impl DumpGen {
    /// A generator with the default 3% share of high-priority rows.
    pub fn new(seed: u64) -> DumpGen {
        DumpGen {
            rng: Rng::new(seed),
            n: 0,
            hp_per_100k: 3000,
        }
    }

    fn model(&mut self) -> String {
        let r = &mut self.rng;
        let letters = b"ABCDEFGHJKLMNPRSTUVWXYZ";
        let mut s = String::new();
        for _ in 0..r.range(2, 3) {
            s.push(r.pick(letters) as char);
        }
        if r.permille(500) {
            s.push('-');
        }
        s.push_str(&r.range(10, 99_999).to_string());
        if r.permille(300) {
            s.push(r.pick(letters) as char);
        }
        s
    }

    /// The HS code as a declarant might write it, or empty.
    fn hs_written(&mut self, ten: &str) -> String {
        let r = &mut self.rng;
        match r.below(100) {
            0..=39 => ten.to_string(),
            40..=54 => format!("{}.{}", &ten[..4], &ten[4..6]),
            55..=69 => format!("{} {} {} {}", &ten[..4], &ten[4..6], &ten[6..9], &ten[9..]),
            70..=79 => ten[..6].to_string(),
            80..=84 => format!("{}.{}.{}", &ten[..4], &ten[4..6], &ten[6..8]),
            _ => String::new(),
        }
    }

    fn ru_attrs(&mut self, s: &mut String, brand: &str, model: &str, qty_unit: &str) {
        let maker = self.rng.pick(MAKERS);
        s.push_str(", ИЗГОТОВИТЕЛЬ: ");
        s.push_str(maker);
        s.push_str(", ТОВАРНЫЙ ЗНАК: ");
        s.push_str(brand);
        if self.rng.permille(600) {
            s.push_str(", МАРКА: ");
            s.push_str(brand);
        }
        s.push_str(", МОДЕЛЬ: ");
        s.push_str(model);
        if self.rng.permille(500) {
            let art = self.model();
            s.push_str(", АРТИКУЛ: ");
            s.push_str(&art);
        }
        let q = self.rng.range(1, 5000);
        s.push_str(&format!(", КОЛ-ВО: {q} {qty_unit}"));
        for _ in 0..self.rng.range(0, 2) {
            s.push_str(", ");
            s.push_str(self.rng.pick(RU_TAILS));
        }
    }

    fn ordinary(&mut self, lang: u64) -> (String, &'static str) {
        let (hs, ru, en, zh, de) = self.rng.pick(ORDINARY);
        let brand = self.rng.pick(BRANDS);
        let model = self.model();
        let mut s = String::with_capacity(320);
        match lang {
            0 => {
                if self.rng.permille(300) {
                    s.push_str(&format!("{}) ", self.rng.range(1, 9)));
                }
                s.push_str(ru);
                self.ru_attrs(&mut s, brand, &model, "ШТ");
                if self.rng.permille(300) {
                    s.push_str(", ВЕС НЕТТО ");
                    s.push_str(&format!(
                        "{}.{} КГ",
                        self.rng.range(1, 9000),
                        self.rng.below(10)
                    ));
                }
            }
            1 => {
                let n = self.rng.range(1, 9999);
                if self.rng.permille(500) {
                    s.push_str(&format!(
                        "{zh}/品牌:{brand}|型号:{model}|用途:{}|材质:{}|数量:{n}个",
                        self.rng.pick(ZH_USES),
                        self.rng.pick(ZH_MATS)
                    ));
                } else {
                    s.push_str(&format!(
                        "0|0|{zh}|{}|{}|{brand}牌|型号:{model}|规格:{}*{}*{}CM|{n}件",
                        self.rng.pick(ZH_USES),
                        self.rng.pick(ZH_MATS),
                        self.rng.range(5, 200),
                        self.rng.range(5, 200),
                        self.rng.range(1, 100)
                    ));
                }
                if self.rng.permille(400) {
                    s.push(' ');
                    s.push_str(en);
                }
            }
            2 => {
                s.push_str(&format!(
                    "{} CTNS {en} ITEM NO. {model}",
                    self.rng.range(1, 2400)
                ));
                if self.rng.permille(500) {
                    s.push_str(&format!(" HS CODE {}", &hs[..6]));
                }
                s.push_str(&format!(" PO#{}", self.rng.range(10000, 99999)));
                for _ in 0..self.rng.range(1, 3) {
                    s.push(' ');
                    s.push_str(self.rng.pick(EN_TAILS));
                }
                s.push_str(&format!(" SHIPPER: {}", self.rng.pick(MAKERS)));
            }
            _ => {
                s.push_str(&format!(
                    "{de}, Marke {brand}, Modell {model}, {} Stück, Hersteller: {}, Ursprung China",
                    self.rng.range(1, 900),
                    self.rng.pick(MAKERS)
                ));
            }
        }
        (s, hs)
    }

    fn high_priority(&mut self, lang: u64) -> (String, &'static str) {
        let (hs, ru, en, zh, de, parts) = self.rng.pick(HIGH_PRIORITY);
        let part = self.rng.pick(parts);
        let brand = self.rng.pick(CHIP_BRANDS);
        let mut s = String::with_capacity(320);
        match lang {
            0 => {
                s.push_str(ru);
                self.ru_attrs(&mut s, brand, part, "ШТ");
            }
            1 => {
                s.push_str(&format!(
                    "{zh}/品牌:{brand}|型号:{part}|用途:{}|数量:{}个",
                    self.rng.pick(ZH_USES),
                    self.rng.range(1, 20000)
                ));
            }
            2 => {
                s.push_str(&format!(
                    "{} PCS {en} {part} PO#{} {}",
                    self.rng.range(1, 10000),
                    self.rng.range(10000, 99999),
                    self.rng.pick(EN_TAILS)
                ));
            }
            _ => {
                s.push_str(&format!(
                    "{de} {part}, Hersteller {brand}, {} Stück",
                    self.rng.range(1, 900)
                ));
            }
        }
        (s, hs)
    }

    /// The next row.
    pub fn next_row(&mut self) -> Row {
        self.n += 1;
        let hp = self.rng.below(100_000) < self.hp_per_100k;
        // Language mix: Russian 45%, Chinese 25%, English 22%, German 8%.
        let lang = match self.rng.below(100) {
            0..=44 => 0,
            45..=69 => 1,
            70..=91 => 2,
            _ => 3,
        };
        let (mut text, hs10) = if hp {
            self.high_priority(lang)
        } else {
            self.ordinary(lang)
        };
        // A few multi-line graph-31 descriptions.
        if lang == 0 && self.rng.permille(3) {
            text.push_str("\n2) УПАКОВКА: ");
            text.push_str(&format!("{} КОР.", self.rng.range(1, 500)));
        }
        let hs = self.hs_written(hs10);
        let id = format!(
            "10{:06}/{:02}{:02}24/{:07}/{}",
            self.rng.range(100_000, 999_999),
            self.rng.range(1, 28),
            self.rng.range(1, 12),
            self.rng.range(1, 9_999_999),
            self.rng.range(1, 60)
        );
        let value = format!("{}.{:02}", self.rng.range(1, 250_000), self.rng.below(100));
        Row {
            id,
            hs,
            text,
            country: self.rng.pick(COUNTRIES),
            value,
            high_priority: hp,
        }
    }
}

/// Appends `field` to `out`, quoted as RFC 4180 requires.
pub fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Appends one CSV record (with the trailing newline) to `out`.
pub fn push_csv_row(out: &mut Vec<u8>, r: &Row) {
    push_csv_field(out, &r.id);
    out.push(b',');
    push_csv_field(out, &r.hs);
    out.push(b',');
    push_csv_field(out, &r.text);
    out.push(b',');
    push_csv_field(out, r.country);
    out.push(b',');
    push_csv_field(out, &r.value);
    out.push(b'\n');
}

/// The CSV header line.
pub const HEADER: &str = "id,hs_code,description,country,value_usd\n";

/// The header of `--shape vendor`.
pub const VENDOR_HEADER: &str = "declaration_id,item_no,decl_date,hs_code,goods_description,exporter,importer,origin_country,trading_country,customs_value_usd,net_weight_kg,quantity,unit\n";

/// Syllables of importer names, in Latin and Cyrillic.
const SYLLABLES: &[(&str, &str)] = &[
    ("TEKHNO", "ТЕХНО"),
    ("PROM", "ПРОМ"),
    ("SNAB", "СНАБ"),
    ("TORG", "ТОРГ"),
    ("INVEST", "ИНВЕСТ"),
    ("ELEKTRO", "ЭЛЕКТРО"),
    ("STROY", "СТРОЙ"),
    ("KOMPLEKT", "КОМПЛЕКТ"),
    ("SERVIS", "СЕРВИС"),
    ("AVTO", "АВТО"),
    ("MASH", "МАШ"),
    ("RESURS", "РЕСУРС"),
    ("VEKTOR", "ВЕКТОР"),
    ("ALFA", "АЛЬФА"),
    ("NORD", "НОРД"),
    ("SIB", "СИБ"),
    ("URAL", "УРАЛ"),
    ("LOGISTIK", "ЛОГИСТИК"),
];

/// Exporters by country of dispatch.
const EXPORTERS: &[(&str, &str)] = &[
    ("CN", "SHENZHEN HUAXIN ELECTRONICS CO., LTD"),
    ("CN", "YIWU JINHUI TRADING CO., LTD"),
    ("CN", "GUANGZHOU TIANYU IMPORT AND EXPORT CO LTD"),
    ("CN", "NINGBO OCEAN MACHINERY CO., LTD"),
    ("HK", "HONG KONG WINSTAR TECHNOLOGY LIMITED"),
    ("AE", "STAR LINE GENERAL TRADING FZE"),
    ("AE", "GULF BRIDGE TRADING LLC"),
    ("TR", "ANKA DIS TICARET LTD STI"),
    ("KZ", "ТОО «АЗИЯ ТРАНЗИТ»"),
    ("KG", "ОСОО «БИШКЕК ИМПОРТ»"),
    ("DE", "MUELLER HANDELS GMBH"),
    ("IT", "ROSSI COMPONENTI SRL"),
    ("TR", "BOSPHORUS KIMYA SANAYI AS"),
    ("IN", "MUMBAI EXPORTS PVT LTD"),
];

const TRANSIT: &[&str] = &["AE", "TR", "KZ", "KG", "HK", "AM"];

/// Importers (a fixed pool) and the vendor columns around [`DumpGen`]'s rows.
pub struct VendorGen {
    gen: DumpGen,
    rng: Rng,
    importers: Vec<(String, String)>,
}

/// How many of the importers start high-priority imports in July.
const SHELLS: usize = 20;

impl VendorGen {
    /// A generator from a seed, with `importers` importer names.
    pub fn new(seed: u64, importers: usize) -> VendorGen {
        let mut rng = Rng::new(seed.wrapping_add(17));
        let importers = (0..importers.max(SHELLS + 1))
            .map(|i| {
                let a = rng.pick(SYLLABLES);
                let b = rng.pick(SYLLABLES);
                let n = i % 97;
                (format!("{}{}-{n}", a.0, b.0), format!("{}{}-{n}", a.1, b.1))
            })
            .collect();
        VendorGen {
            gen: DumpGen::new(seed),
            rng,
            importers,
        }
    }

    /// Appends the next row, in the vendor's 13 columns, to `out`; returns
    /// whether it is of high priority.
    pub fn push_row(&mut self, out: &mut Vec<u8>) -> bool {
        let r = self.gen.next_row();
        let rng = &mut self.rng;
        let mut month = rng.range(1, 12);
        let i = if r.high_priority && rng.permille(600) {
            // A shell: high-priority goods only from July, through a transit country.
            month = rng.range(7, 12);
            rng.below(SHELLS as u64) as usize
        } else if r.high_priority {
            rng.range(SHELLS as u64, self.importers.len() as u64 - 1) as usize
        } else {
            rng.below(self.importers.len() as u64) as usize
        };
        let (lat, cyr) = &self.importers[i];
        let importer = match rng.below(3) {
            0 => format!("ООО \"{cyr}\""),
            1 => format!("ООО «{cyr}»"),
            _ => format!("{lat} LLC"),
        };
        let origin = r.country;
        // Shells route their high-priority goods; others now and then.
        let trading = if (i < SHELLS && r.high_priority) || rng.permille(80) {
            rng.pick(TRANSIT)
        } else {
            origin
        };
        let from: Vec<&str> = EXPORTERS
            .iter()
            .filter(|e| e.0 == trading)
            .map(|e| e.1)
            .collect();
        let exporter = if from.is_empty() {
            rng.pick(EXPORTERS).1
        } else {
            rng.pick(&from)
        };
        let day = rng.range(1, 28);
        let date = format!("2024-{month:02}-{day:02}");
        let fields = [
            format!(
                "10702070/{day:02}{month:02}24/{:07}",
                rng.range(1, 9_999_999)
            ),
            rng.range(1, 30).to_string(),
            date,
            r.hs,
            r.text,
            exporter.to_string(),
            importer,
            origin.to_string(),
            trading.to_string(),
            r.value,
            format!("{}.{}", rng.range(1, 20_000), rng.below(10)),
            rng.range(1, 5_000).to_string(),
            rng.pick(&["PCS", "ШТ", "KG", "SET", "个"]).to_string(),
        ];
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            push_csv_field(out, f);
        }
        out.push(b'\n');
        r.high_priority
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: gen_dump [--bytes N | --rows N] [--seed S] [--shape basic|vendor] [--importers N] [--out PATH|-]\n\
         Writes a deterministic customs dump CSV (default: --bytes 100000000 --seed 1 --shape basic --out -)."
    );
    std::process::exit(2)
}

fn main() {
    let mut bytes: Option<u64> = None;
    let mut rows: Option<u64> = None;
    let mut seed = 1u64;
    let mut out_path = "-".to_string();
    let mut vendor = false;
    let mut importers = 2_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--bytes" => bytes = Some(val().parse().unwrap_or_else(|_| usage())),
            "--rows" => rows = Some(val().parse().unwrap_or_else(|_| usage())),
            "--seed" => seed = val().parse().unwrap_or_else(|_| usage()),
            "--out" => out_path = val(),
            "--shape" => {
                vendor = match val().as_str() {
                    "vendor" => true,
                    "basic" => false,
                    _ => usage(),
                }
            }
            "--importers" => importers = val().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    if bytes.is_none() && rows.is_none() {
        bytes = Some(100_000_000);
    }
    let sink: Box<dyn Write> = if out_path == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        if let Some(dir) = std::path::Path::new(&out_path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).expect("create output folder");
            }
        }
        Box::new(std::fs::File::create(&out_path).expect("create output file"))
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 20, sink);
    let mut g = DumpGen::new(seed);
    let mut vg = VendorGen::new(seed, importers);
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(if vendor { VENDOR_HEADER } else { HEADER }.as_bytes());
    let (mut written, mut n, mut hp) = (0u64, 0u64, 0u64);
    loop {
        if bytes.is_some_and(|b| written + buf.len() as u64 >= b) || rows.is_some_and(|r| n >= r) {
            break;
        }
        n += 1;
        if vendor {
            hp += vg.push_row(&mut buf) as u64;
        } else {
            let r = g.next_row();
            hp += r.high_priority as u64;
            push_csv_row(&mut buf, &r);
        }
        if buf.len() >= 1 << 20 {
            written += buf.len() as u64;
            w.write_all(&buf).expect("write");
            buf.clear();
        }
    }
    written += buf.len() as u64;
    w.write_all(&buf).expect("write");
    w.flush().expect("flush");
    eprintln!(
        "gen_dump: {n} rows, {written} bytes, {:.1} bytes/row, {hp} high-priority rows ({:.2}%)",
        written as f64 / n.max(1) as f64,
        100.0 * hp as f64 / n.max(1) as f64
    );
}
