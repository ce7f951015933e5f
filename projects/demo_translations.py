"""Arabic and French versions of the demo portfolio's titles, names and indicator units.

Organisations carry their own official Arabic and French names where they publish
them (UN agencies, the League of Arab States, IOM); project titles, which IOM's
sources give in English only, are careful translations of the English title.
"""

from __future__ import annotations

from . import demo

# name: (Arabic, French)
ORGANISATION_NAMES = {
    demo.IOM: ("المنظمة الدولية للهجرة", "Organisation internationale pour les migrations"),
    "Austria": ("النمسا", "Autriche"),
    "Belgium": ("بلجيكا", "Belgique"),
    "Germany": ("ألمانيا", "Allemagne"),
    "Italy": ("إيطاليا", "Italie"),
    "United Kingdom": ("المملكة المتحدة", "Royaume-Uni"),
    "United States": ("الولايات المتحدة", "États-Unis"),
    demo.EU: ("الاتحاد الأوروبي", "Union européenne"),
    "League of Arab States": ("جامعة الدول العربية", "Ligue des États arabes"),
    "Qatar Foundation for Combating Human Trafficking": (
        "المؤسسة القطرية لمكافحة الاتجار بالبشر",
        "Fondation qatarie de lutte contre la traite des êtres humains",
    ),
    "International Labour Organization": (
        "منظمة العمل الدولية",
        "Organisation internationale du Travail",
    ),
    "United Nations Children's Fund": (
        "منظمة الأمم المتحدة للطفولة",
        "Fonds des Nations Unies pour l’enfance",
    ),
    "Office of the United Nations High Commissioner for Refugees": (
        "مفوضية الأمم المتحدة السامية لشؤون اللاجئين",
        "Haut-Commissariat des Nations Unies pour les réfugiés",
    ),
    "United Nations Office on Drugs and Crime": (
        "مكتب الأمم المتحدة المعني بالمخدرات والجريمة",
        "Office des Nations Unies contre la drogue et le crime",
    ),
    "European Union Agency for Asylum": (
        "وكالة الاتحاد الأوروبي لشؤون اللجوء",
        "Agence de l’Union européenne pour l’asile",
    ),
    "African Union": ("الاتحاد الأفريقي", "Union africaine"),
    "Ministry of Interior of Egypt": (
        "وزارة الداخلية المصرية",
        "Ministère de l’Intérieur d’Égypte",
    ),
    "Ministry of Foreign Affairs of Egypt": (
        "وزارة الخارجية المصرية",
        "Ministère des Affaires étrangères d’Égypte",
    ),
    "Ministry of Health of Egypt": ("وزارة الصحة المصرية", "Ministère de la Santé d’Égypte"),
    "National Centre for Social and Criminological Research": (
        "المركز القومي للبحوث الاجتماعية والجنائية",
        "Centre national de recherches sociales et criminologiques",
    ),
    "General Security Directorate of Lebanon": (
        "المديرية العامة للأمن العام اللبناني",
        "Direction générale de la Sûreté générale du Liban",
    ),
    "Royal Police Academy of Bahrain": (
        "الأكاديمية الملكية للشرطة في البحرين",
        "Académie royale de police de Bahreïn",
    ),
    demo.ITALY_MOI: ("وزارة الداخلية الإيطالية", "Ministère de l’Intérieur d’Italie"),
}

# project code: (Arabic title, French title)
PROJECT_TITLES = {
    "CT.ARAB.2011": (
        "تعزيز إطار المنطقة العربية لمنع ومكافحة الاتجار بالبشر وتهريب المهاجرين",
        "Renforcer le cadre de la région arabe pour prévenir et combattre la traite des "
        "êtres humains et le trafic illicite de migrants",
    ),
    "CT.PAVE.2013": (
        "العمل على حماية ومساعدة العمال المهاجرين المستضعفين والمستغلين في الشرق الأوسط "
        "وشمال أفريقيا (PAVE)",
        "Action pour protéger et assister les travailleurs migrants vulnérables et exploités "
        "au Moyen-Orient et en Afrique du Nord (PAVE)",
    ),
    "CT.EG.2008.GRR": (
        "المساعدة التقنية والتدريب في مجال مكافحة الاتجار بالبشر: استجابة عالمية سريعة",
        "Assistance technique et formation contre la traite : une réponse mondiale rapide",
    ),
    "CT.EG.2010.INV": (
        "دعم جهود الحكومة المصرية في مكافحة الاتجار بالبشر من خلال تعزيز القدرات الأساسية "
        "في التحقيق والملاحقة القضائية",
        "Appuyer les efforts du Gouvernement égyptien contre la traite des êtres humains en "
        "renforçant les capacités clés d’enquête et de poursuite",
    ),
    "CT.IQ.2008.EMP": (
        "تمكين الحكومات والمجتمع المدني من إدارة تدفقات الهجرة العراقية بفعالية وحماية "
        "المهاجرين في مصر وتركيا ولبنان",
        "Donner aux gouvernements et à la société civile les moyens de gérer efficacement les "
        "flux migratoires irakiens et de protéger les migrants en Égypte, en Turquie et au Liban",
    ),
    "CT.BH.2008": (
        "بناء القدرات والتوعية في مجال مكافحة الاتجار بالبشر في مملكة البحرين",
        "Renforcement des capacités et sensibilisation à la lutte contre la traite dans le "
        "Royaume de Bahreïn",
    ),
    "CT.YE.2009": (
        "تمكين اليمن من التصدي للهجرة المختلطة وحماية المهاجرين المستضعفين على طريق خليج عدن",
        "Donner au Yémen les moyens de faire face aux migrations mixtes et de protéger les "
        "migrants vulnérables empruntant la route du golfe d’Aden",
    ),
    "CT.IQ.2008.MAP": (
        "برنامج متعدد الإجراءات لمساعدة العراقيين ضحايا الاتجار بالبشر في العراق والمنطقة",
        "Programme d’actions multiples d’assistance aux victimes irakiennes de la traite en "
        "Irak et dans la région",
    ),
    "CT.SY.2009.SHL": (
        "بناء القدرات في إدارة دور الإيواء لضحايا الاتجار بالبشر في سوريا",
        "Renforcement des capacités de gestion des centres d’hébergement pour les victimes de "
        "la traite en Syrie",
    ),
    "CT.SY.2008.LEG": (
        "دعم الحكومة السورية في إعداد تشريعات لمكافحة الاتجار بالبشر",
        "Appui au Gouvernement syrien pour l’élaboration d’une législation contre la traite",
    ),
    "CT.EG.2009.MOH": (
        "تعزيز قدرة وزارة الصحة على مساعدة ضحايا الاتجار بالبشر",
        "Renforcer la capacité du ministère de la Santé à assister les victimes de la traite",
    ),
    "CT.EG.2009.RES": (
        "مشروع بحثي لدراسة أنماط الاتجار بالبشر في المجتمع المصري",
        "Projet de recherche sur les formes de la traite dans la société égyptienne",
    ),
    "CT.RDPP.2024": (
        "البرنامج الإقليمي للتنمية والحماية (RDPP)، المرحلة السادسة: تعزيز الحماية في شمال "
        "أفريقيا من خلال التنسيق الإقليمي والمعرفة",
        "RDPP phase VI : renforcer la protection en Afrique du Nord par la coordination "
        "régionale et la connaissance",
    ),
}

# indicator unit: (Arabic, French)
UNITS = {
    "practitioners": ("ممارسون", "praticiens"),
    "officers": ("ضباط", "agents"),
    "officials": ("موظفون", "fonctionnaires"),
    "representatives": ("ممثلون", "représentants"),
}


def organisation_versions(name: str) -> dict[str, str]:
    ar, fr = ORGANISATION_NAMES.get(name, ("", ""))
    return {"name_ar": ar, "name_fr": fr}


def title_versions(code: str) -> dict[str, str]:
    ar, fr = PROJECT_TITLES.get(code, ("", ""))
    return {"title_ar": ar, "title_fr": fr}


def unit_versions(unit: str) -> dict[str, str]:
    ar, fr = UNITS.get(unit, ("", ""))
    return {"unit_ar": ar, "unit_fr": fr}
