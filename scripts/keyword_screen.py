#!/usr/bin/env python3
"""The naive keyword screen: the baseline `dualuse` is compared with.

What an analyst writes in an afternoon: for each category, the everyday
names of its goods in English, Russian, Chinese and German, searched as
case-insensitive substrings of the description, plus the category's usual
HS headings matched as prefixes of the declared code (basis `hs`). No word
boundaries, no normalisation beyond lower case, no vetoes, no parameters,
no part numbers.

It speaks the part of `dualuse classify`'s command line that the shared
scorer uses, so the two are scored the same way:

    python3 SCORE scripts/keyword_screen.py LABELLED.csv

where SCORE is the evaluation set's `score.py` (see README, "Classification
quality"). Called as `keyword_screen.py classify FILE --format jsonl
--hs-column C --text-column C --id-column C`, it writes one JSON object per
row with `id`, `hs` and `hits` (rule, category, basis, references).
"""
import csv
import json
import sys

# Everyday names, four languages. Lower case; matched as substrings.
KEYWORDS = {
    "machine_tools": [
        "cnc", "machining centre", "machining center", "lathe", "milling machine",
        "grinding machine", "станок", "чпу", "токарн", "фрезерн", "数控", "机床",
        "加工中心", "车床", "铣床", "werkzeugmaschine", "drehmaschine", "fräsmaschine",
        "bearbeitungszentrum",
    ],
    "uav": [
        "drone", "uav", "quadcopter", "multicopter", "unmanned aircraft", "дрон",
        "беспилотн", "квадрокоптер", "бпла", "无人机", "四轴飞行器", "drohne",
        "flight controller", "turbojet", "турбореактивн",
    ],
    "microelectronics": [
        "integrated circuit", "microcontroller", "microprocessor", "fpga", "processor",
        "memory chip", "dram", "transistor", "diode", "thyristor", "capacitor",
        "микросхем", "микроконтроллер", "процессор", "плис", "транзистор", "диод",
        "тиристор", "конденсатор", "集成电路", "芯片", "单片机", "处理器", "晶体管",
        "二极管", "电容", "mikrocontroller", "schaltkreis",
    ],
    "optics": [
        "thermal imag", "thermal camera", "night vision", "riflescope", "rifle scope",
        "infrared camera", "тепловиз", "ночного видения", "прицел", "热成像",
        "红外热像", "夜视", "瞄准镜", "wärmebild", "nachtsicht", "zielfernrohr",
    ],
    "navigation": [
        "gnss", "gps", "glonass", "inertial", "gyroscope", "accelerometer",
        "navigation", "навигац", "гироскоп", "акселерометр", "инерциальн", "глонасс",
        "导航", "陀螺", "北斗", "惯性", "navigationsgerät", "kreisel",
    ],
    "communications": [
        "transceiver", "radio station", "walkie", "router", "antenna", "transmitter",
        "радиостанц", "приемопередат", "маршрутизатор", "антенн", "передатчик",
        "对讲机", "电台", "收发器", "路由器", "天线", "funkgerät", "sender",
    ],
    "bearings": [
        "bearing", "подшипник", "轴承", "kugellager", "wälzlager", "lager",
    ],
    "production_equipment": [
        "wafer", "lithograph", "deposition", "etching", "crystal growing",
        "oscilloscope", "signal generator", "spectrum analyzer", "осциллограф",
        "генератор сигнал", "анализатор спектр", "示波器", "信号发生器", "频谱分析仪",
        "oszilloskop",
    ],
    "arms_ammunition": [
        "rifle", "pistol", "firearm", "cartridge", "ammunition", "винтовк",
        "пистолет", "оружие", "патрон", "боеприпас", "步枪", "手枪", "弹药", "枪",
        "gewehr", "munition", "patrone",
    ],
    "armour": [
        "body armor", "body armour", "ballistic", "bulletproof", "armour plate",
        "бронежилет", "бронеплит", "баллистическ", "防弹", "schutzweste", "ballistisch",
    ],
}

HEADINGS = {
    "machine_tools": ["8456", "8457", "8458", "8459", "8460", "8461", "8462", "8463", "8466"],
    "uav": ["8806", "8807", "8411"],
    "microelectronics": ["8541", "8542", "8532", "8534", "8548"],
    "optics": ["9013", "900590", "852589"],
    "navigation": ["8526", "9014"],
    "communications": ["8517", "8525"],
    "bearings": ["8482"],
    "production_equipment": ["8486", "9030"],
    "arms_ammunition": ["93"],
    "armour": ["6211", "6307", "7326"],
}


def arg(argv, name):
    i = argv.index(name)
    return argv[i + 1]


def main(argv):
    if len(argv) < 2 or argv[0] != "classify":
        sys.exit("usage: keyword_screen.py classify FILE --format jsonl "
                 "--hs-column C --text-column C --id-column C")
    path = argv[1]
    hs_col, text_col, id_col = (arg(argv, "--hs-column"), arg(argv, "--text-column"),
                                arg(argv, "--id-column"))
    out = sys.stdout
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = (row.get(text_col) or "").lower()
            digits = "".join(c for c in (row.get(hs_col) or "") if c.isdigit())
            hits = []
            for cat, words in KEYWORDS.items():
                by_text = any(w in text for w in words)
                by_hs = bool(digits) and any(digits.startswith(h) for h in HEADINGS[cat])
                if by_text or by_hs:
                    basis = "hs+text" if by_text and by_hs else ("text" if by_text else "hs")
                    hits.append({"rule": f"keyword.{cat}", "category": cat,
                                 "basis": basis, "references": []})
            out.write(json.dumps({"id": row.get(id_col), "hs": {"digits": digits or None},
                                  "hits": hits}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
