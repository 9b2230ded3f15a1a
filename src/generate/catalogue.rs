//! The catalogue: items with Zipf popularity, co-purchase groups and
//! log-normal price weights, and their Japanese and English names.

use rand::rngs::StdRng;
use rand::RngExt;
use rand_distr::{Distribution, LogNormal, Zipf};

use super::output::csv_field;
use super::{GeneratorConfig, OutputFormat};
use crate::{Error, Result};

pub(super) struct Item {
    /// The name as a CSV field (quoted when needed).
    pub(super) name: String,
    /// The UCI description (upper-case English) as a CSV field.
    pub(super) description: String,
    /// The item id of the format: `SKU-00001` or a UCI stock code like `20001A`.
    pub(super) code: String,
    /// Relative unit price.
    pub(super) price_weight: f64,
}

pub(super) struct Catalogue {
    pub(super) items: Vec<Item>,
    pub(super) groups: usize,
    pub(super) everything: Zipf<f64>,
    /// Zipf over the members of groups `0..items % groups` (one more member).
    pub(super) large_group: Zipf<f64>,
    /// Zipf over the members of the other groups.
    pub(super) small_group: Zipf<f64>,
    pub(super) affinity: f64,
}

impl Catalogue {
    pub(super) fn new(config: &GeneratorConfig, rng: &mut StdRng) -> Result<Catalogue> {
        let zipf = |n: usize| {
            Zipf::new(n.max(1) as f64, config.zipf_exponent)
                .map_err(|e| Error::options(e.to_string()))
        };
        let prices = LogNormal::new(0.0, 0.7).map_err(|e| Error::options(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        let mut items = Vec::with_capacity(config.items);
        for i in 0..config.items {
            let mut name = String::new();
            for attempt in 0.. {
                name = item_name(rng, config.japanese_names);
                if attempt >= 20 {
                    name.push_str(&format!(" #{}", i + 1));
                }
                if seen.insert(name.clone()) {
                    break;
                }
            }
            let code = match config.format {
                OutputFormat::UciOnlineRetail => {
                    let suffix = match i % 9 {
                        4 => "A",
                        7 => "B",
                        _ => "",
                    };
                    format!("{}{suffix}", 20001 + i)
                }
                OutputFormat::Plain | OutputFormat::Shopify => format!("SKU-{:05}", i + 1),
            };
            items.push(Item {
                description: csv_field(&name.to_uppercase()),
                name: csv_field(&name),
                code,
                price_weight: prices.sample(rng),
            });
        }
        let per_group = config.items / config.groups;
        Ok(Catalogue {
            items,
            groups: config.groups,
            everything: zipf(config.items)?,
            large_group: zipf(per_group + 1)?,
            small_group: zipf(per_group)?,
            affinity: config.group_affinity,
        })
    }

    /// One member of `group`, by popularity within the group.
    pub(super) fn in_group(&self, rng: &mut StdRng, group: usize) -> u32 {
        let n = self.items.len();
        let zipf = if group < n % self.groups {
            &self.large_group
        } else {
            &self.small_group
        };
        let item = group + (zipf.sample(rng) as usize - 1) * self.groups;
        item.min(n - 1) as u32
    }

    /// Fills `chosen` with `lines` distinct items: the first from the whole
    /// catalogue, the others from its group with probability `affinity`.
    pub(super) fn pick(&self, rng: &mut StdRng, lines: usize, chosen: &mut Vec<u32>) {
        chosen.clear();
        let n = self.items.len();
        let first = self.everything.sample(rng) as usize - 1;
        chosen.push(first as u32);
        let group = first % self.groups;
        let zipf = if group < n % self.groups {
            &self.large_group
        } else {
            &self.small_group
        };
        while chosen.len() < lines {
            let mut tries = 0;
            let item = loop {
                let candidate = if rng.random::<f64>() < self.affinity {
                    group + (zipf.sample(rng) as usize - 1) * self.groups
                } else {
                    self.everything.sample(rng) as usize - 1
                };
                if !chosen.contains(&(candidate as u32)) {
                    break candidate;
                }
                tries += 1;
                if tries >= 8 {
                    // Small groups run out: take a free member of the group,
                    // else the next free item.
                    let in_group = (group..n).step_by(self.groups);
                    let mut free = in_group.chain((candidate..n).chain(0..candidate));
                    if let Some(item) = free.find(|&i| !chosen.contains(&(i as u32))) {
                        break item;
                    }
                }
            };
            chosen.push(item as u32);
        }
    }
}

/// Word lists of one kind of product, so that sizes fit their nouns.
pub(super) struct Words {
    pub(super) ja_prefixes: &'static [&'static str],
    pub(super) ja_nouns: &'static [&'static str],
    pub(super) ja_sizes: &'static [&'static str],
    pub(super) en_prefixes: &'static [&'static str],
    pub(super) en_nouns: &'static [&'static str],
    /// A few sizes carry a comma or a quote so that the CSV needs quoting.
    pub(super) en_sizes: &'static [&'static str],
}

/// Food and goods; every word is common enough for Shift_JIS.
pub(super) const CATEGORIES: [Words; 2] = [
    Words {
        ja_prefixes: &[
            "北海道",
            "京都",
            "宇治",
            "静岡",
            "有機",
            "国産",
            "特選",
            "手作り",
            "季節の",
            "熟成",
            "無添加",
            "九州",
            "沖縄",
            "信州",
        ],
        ja_nouns: &[
            "緑茶",
            "抹茶",
            "ほうじ茶",
            "バター クッキー",
            "煎餅",
            "醤油",
            "味噌",
            "梅干し",
            "昆布",
            "羊羹",
            "はちみつ",
            "お米",
            "お餅",
            "カレー",
            "ラーメン",
            "ジャム",
        ],
        ja_sizes: &[
            "100g",
            "200g",
            "500g",
            "1kg",
            "3個入り",
            "10袋入り",
            "詰め合わせ",
            "",
        ],
        en_prefixes: &[
            "Organic", "Premium", "Handmade", "Classic", "Seasonal", "Japanese", "Roasted", "Wild",
            "Deluxe", "Mini",
        ],
        en_nouns: &[
            "Green Tea",
            "Cookie Box",
            "Honey",
            "Coffee Beans",
            "Jam",
            "Rice Crackers",
            "Miso Soup",
            "Matcha Latte",
            "Granola",
            "Chocolate",
        ],
        en_sizes: &[
            "100g",
            "250g",
            "500ml",
            "Gift Box",
            "Pack of 3, Assorted",
            "",
        ],
    },
    Words {
        ja_prefixes: &[
            "京都",
            "有田焼の",
            "信楽焼の",
            "手作り",
            "国産",
            "限定",
            "老舗の",
            "職人の",
            "定番の",
        ],
        ja_nouns: &[
            "湯呑み",
            "急須",
            "手ぬぐい",
            "箸",
            "茶碗",
            "風呂敷",
            "石けん",
            "タオル",
            "ノート",
            "扇子",
            "風鈴",
            "花瓶",
        ],
        ja_sizes: &["大", "小", "2個セット", "5本セット", "2枚組", ""],
        en_prefixes: &[
            "Ceramic", "Vintage", "Bamboo", "Linen", "Cotton", "Wooden", "Glass", "Everyday",
            "Classic", "Handmade",
        ],
        en_nouns: &[
            "Mug",
            "Tote Bag",
            "Candle",
            "Notebook",
            "Tea Towel",
            "Chopsticks",
            "Rice Bowl",
            "Soap",
            "Teapot",
            "Plate",
            "Apron",
            "Vase",
            "Coaster",
            "Umbrella",
        ],
        en_sizes: &["Set of 2", "Large", "Small", "Blue, Large", "12\" Wide", ""],
    },
];
pub(super) const JA_FAMILY: &[&str] = &[
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
];
pub(super) const JA_GIVEN: &[&str] = &[
    "花子",
    "太郎",
    "陽子",
    "健",
    "美咲",
    "翔",
    "直樹",
    "由美",
    "大輔",
    "愛",
    "さくら",
    "ケン",
];
pub(super) const EN_FAMILY: &[&str] = &[
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Walker", "Clark", "Young",
];
pub(super) const EN_GIVEN: &[&str] = &[
    "Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Lucas", "Amelia", "Jack",
];
pub(super) const UCI_COUNTRIES: &[&str] =
    &["Germany", "France", "EIRE", "Spain", "Netherlands", "Japan"];

pub(super) fn choose(rng: &mut StdRng, words: &[&'static str]) -> &'static str {
    words[rng.random_range(0..words.len())]
}

/// A product name like "有機 緑茶 100g", "Ceramic Mug Large" or, mixed,
/// "北海道 Honey Gift Box": two in five Japanese, one in five mixed, the rest
/// English; all English without `japanese`.
pub(super) fn item_name(rng: &mut StdRng, japanese: bool) -> String {
    let words = &CATEGORIES[rng.random_range(0..CATEGORIES.len())];
    let style = if japanese {
        rng.random_range(0..5u32)
    } else {
        4
    };
    let parts = match style {
        0 | 1 => [
            choose(rng, words.ja_prefixes),
            choose(rng, words.ja_nouns),
            choose(rng, words.ja_sizes),
        ],
        2 => [
            choose(rng, words.ja_prefixes),
            choose(rng, words.en_nouns),
            choose(rng, words.en_sizes),
        ],
        _ => [
            choose(rng, words.en_prefixes),
            choose(rng, words.en_nouns),
            choose(rng, words.en_sizes),
        ],
    };
    let mut name = String::new();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(part);
    }
    name
}

/// A deterministic hash for per-customer details that must not consume the
/// random stream (SplitMix64's finalizer).
pub(super) fn mix(seed: u64, value: u64) -> u64 {
    let mut z = seed ^ value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use crate::generate::tests::{parse_csv, run_to_string};

    #[test]
    fn every_word_is_representable_in_shift_jis() {
        let mut lists = vec![JA_FAMILY, JA_GIVEN, EN_FAMILY, EN_GIVEN, UCI_COUNTRIES];
        for words in &CATEGORIES {
            lists.extend([
                words.ja_prefixes,
                words.ja_nouns,
                words.ja_sizes,
                words.en_prefixes,
                words.en_nouns,
                words.en_sizes,
            ]);
        }
        for word in lists.iter().flat_map(|l| l.iter()) {
            let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(word);
            assert!(!unmappable, "{word}");
        }
    }

    #[test]
    fn co_purchases_stay_in_their_group_at_full_affinity() {
        let config = GeneratorConfig {
            customers: 300,
            group_affinity: 1.0,
            groups: 7,
            items: 50,
            ..GeneratorConfig::default()
        };
        let (text, _) = run_to_string(&config);
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for row in &parse_csv(&text)[1..] {
            let item: usize = row[3].trim_start_matches("SKU-").parse().unwrap();
            groups
                .entry(row[0].clone())
                .or_default()
                .push((item - 1) % 7);
        }
        let multi = groups.values().filter(|g| g.len() > 1).count();
        assert!(multi > 100);
        // Groups have 7 or 8 members; longer orders must spill over.
        for members in groups.values().filter(|g| g.len() <= 7) {
            assert!(members.iter().all(|&g| g == members[0]), "{members:?}");
        }
    }
}
