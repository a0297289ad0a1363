"""The catalogue of datasets: name, license, what each may be used for, citation.

``DATASETS`` is the read-only catalogue of the shared sets and of the rows
written for the project.  A training run that adds a site's own decisions
builds its own :class:`Catalogue` (``DATASETS`` plus those extra entries); nothing
here is ever changed at run time.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DatasetInfo", "DATASETS", "Catalogue", "TOX_HEADS", "NEUTRAL", "BLOG_SPAM", "FUNCTIONAL"]

TOX_HEADS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene")
NEUTRAL = "colombe_neutral_comments"
BLOG_SPAM = "colombe_blog_spam"
FUNCTIONAL = "colombe_functional"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    license: str
    trainable: bool          # permissive license: may train the shipped model
    kind: str                # "toxicity" | "spam" | "site" (a site's own decisions: toxic, spam and clean)
    citation: str
    url: str
    mt: bool = False         # machine translated: training augmentation only
    synthetic: bool = False  # written for this project (models/augment/): training augmentation only

    @property
    def train_only(self) -> bool:
        """Augmentation rows: always in the train split, never evaluated."""
        return self.mt or self.synthetic


_BUILTIN = (
    DatasetInfo("mlma_hate_speech", "MIT", True, "toxicity",
                "Ousidhoum et al. (2019) Multilingual and Multi-Aspect Hate Speech Analysis. EMNLP.",
                "https://github.com/HKUST-KnowComp/MLMA_hate_speech"),
    DatasetInfo("ftr_french_racism", "MIT", True, "toxicity",
                "Vanetik, N. and Mimoun, E. (2022) Detection of racist language in French tweets. Information 13(7):318.",
                "https://github.com/NataliaVanetik/FTR-dataset"),
    DatasetInfo("toxifrench", "MIT", True, "toxicity",
                "Delaval et al. (2025) ToxiFrench: Benchmarking and Enhancing Language Models via CoT Fine-Tuning for French Toxicity Detection. arXiv:2508.11281.",
                "https://github.com/AxelDlv00/ToxiFrench"),
    DatasetInfo("cyberagression_ado_large", "CC BY-NC 4.0 (non-commercial)", False, "toxicity",
                "Ollagnier et al. (2022) CyberAgressionAdo-v1. LREC 2022; extended: https://hal.science/hal-04514689",
                "https://github.com/aollagnier/CyberAgression-Large"),
    DatasetInfo("davidson_hate_offensive", "MIT", True, "toxicity",
                "Davidson et al. (2017) Automated Hate Speech Detection and the Problem of Offensive Language. ICWSM.",
                "https://github.com/t-davidson/hate-speech-and-offensive-language"),
    DatasetInfo("fox_news_comments", "MIT", True, "toxicity",
                "Gao, L. and Huang, R. (2017) Detecting Online Hate Speech Using Context Aware Models. RANLP.",
                "https://github.com/sjtuprog/fox-news-comments"),
    DatasetInfo("sfu_ctc", "CC BY-NC-SA 4.0 (non-commercial)", False, "toxicity",
                "Kolhatkar and Taboada (2017) Constructive Language in News Comments. ALW; Kolhatkar et al. (2019) The SFU Opinion and Comments Corpus.",
                "https://github.com/sfu-discourse-lab/SOCC"),
    DatasetInfo("wikipedia_toxicity_subsets", "CC0 labels; texts CC BY-SA 3.0", True, "toxicity",
                "Thain, Dixon, Wulczyn (2017) Wikipedia Talk Labels: Toxicity; Wulczyn et al. (2017) Ex Machina. WWW; Jigsaw (2018) Toxic Comment Classification Challenge; Dixon et al. (2018) AIES.",
                "https://github.com/conversationai/unintended-ml-bias-analysis"),
    DatasetInfo("jigsaw_subset_fr_machine_translated", "CC0 / CC BY-SA 3.0 / MIT", True, "toxicity",
                "Jigsaw (2018) Toxic Comment Classification Challenge; translations: Delaval et al. (2025) ToxiFrench.",
                "https://github.com/AxelDlv00/ToxiFrench", mt=True),
    DatasetInfo("youtube_spam_collection", "CC BY 4.0", True, "spam",
                "Alberto, Lochter, Almeida (2015) TubeSpam: Comment Spam Filtering on YouTube. ICMLA.",
                "https://archive.ics.uci.edu/dataset/380/youtube+spam+collection"),
    DatasetInfo("civil_comments_toxic_spans", "CC0", True, "toxicity",
                "Pavlopoulos et al. (2022) From the Detection of Toxic Spans in Online Discussions to the Analysis of Toxic-to-Civil Transfer. ACL; Borkan et al. (2019).",
                "https://github.com/ipavlopoulos/toxic_spans"),
    DatasetInfo("wikipedia_talk_context", "Apache-2.0 ratings; texts CC BY-SA 3.0", True, "toxicity",
                "Pavlopoulos et al. (2020) Toxicity Detection: Does Context Really Matter? ACL.",
                "https://github.com/ipavlopoulos/context_toxicity"),
    DatasetInfo("stormfront_hate_sentences", "CC BY-SA 3.0", True, "toxicity",
                "de Gibert et al. (2018) Hate Speech Dataset from a White Supremacy Forum. ALW2.",
                "https://github.com/Vicomtech/hate-speech-dataset"),
    DatasetInfo("hatexplain_val_test", "MIT", True, "toxicity",
                "Mathew et al. (2021) HateXplain: A Benchmark Dataset for Explainable Hate Speech Detection. AAAI.",
                "https://github.com/hate-alert/HateXplain"),
    DatasetInfo("convabuse", "CC BY 4.0", True, "toxicity",
                "Cercas Curry, Abercrombie, Rieser (2021) ConvAbuse. EMNLP.",
                "https://github.com/amandacurry/convabuse"),
    DatasetInfo("instagram_scam_comments", "MIT", True, "spam",
                "Erben, S. (2023) ScamSpot: detecting scam comments on Instagram.",
                "https://github.com/ScamSpot"),
    DatasetInfo("colombe_neutral_comments", "MIT (written for Colombe)", True, "toxicity",
                "Colombe project (2026): neutral French and English comments generated from the project's own "
                "templates (models/augment/neutral.py), after Dixon et al. (2018) Measuring and Mitigating Unintended "
                "Bias in Text Classification. AIES.",
                "models/augment/neutral.py", synthetic=True),
    DatasetInfo(BLOG_SPAM, "MIT (written for Colombe)", True, "spam",
                "Colombe project (2026): French and English blog-comment spam and ordinary blog comments written "
                "for the project from its own templates (models/augment/blog_spam.py), with author URLs, links "
                "and the post they answer.",
                "models/augment/blog_spam.py", synthetic=True),
    DatasetInfo(FUNCTIONAL, "MIT (written for Colombe)", True, "toxicity",
                "Colombe project (2026): French and English sentences written for the project from its own "
                "templates (models/augment/functional.py): negated and counter-speech statements about groups "
                "(clean) and kind wishes (\"I hope ...\", \"J'espère que ...\") beside direct attacks and threats "
                "(toxic), after the functional tests of Roettger et al. "
                "(2021) HateCheck. ACL.",
                "models/augment/functional.py", synthetic=True),
    DatasetInfo("ucc_unhealthy_comments", "CC BY-NC-SA 4.0 (non-commercial)", False, "toxicity",
                "Price et al. (2020) Six Attributes of Unhealthy Conversations. WOAH.",
                "https://github.com/conversationai/unhealthy-conversations"),
)

DATASETS: Mapping[str, DatasetInfo] = MappingProxyType({d.name: d for d in _BUILTIN})


class Catalogue(Mapping):
    """``DATASETS`` plus the extra datasets of one training run (immutable)."""

    def __init__(self, extra: tuple[DatasetInfo, ...] | list[DatasetInfo] = ()):
        entries = dict(DATASETS)
        for info in extra:
            if info.name in entries:
                raise ValueError(f"dataset {info.name!r} is already registered")
            entries[info.name] = info
        self._entries = MappingProxyType(entries)

    def __getitem__(self, name: str) -> DatasetInfo:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
