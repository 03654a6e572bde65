//! Industry classification (domain.md §1.3, §2.7): the customer's 行业 and 主营业务 texts → an
//! [`IndustryClass`] with a plain-Chinese account of what decided it.
//!
//! Order of evidence: a GB/T 4754-2017 code in the text (the longest rule code that prefixes it
//! wins), then keyword groups in data order. A restricted-sector keyword followed by a supplier
//! suffix ("洗浴用品", "KTV音响") or preceded by a supplier form ("厂家直销") names the customer's
//! *customers*, not its own trade, and is skipped. The 行业 text decides when it classifies, the
//! 主营业务 text otherwise; two texts that classify differently are reported for the broker to
//! check. Every code, keyword, suffix and sentence is data in `default_rules.json`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use crate::domain::vocab::IndustryClass;

/// GB/T 4754-2017 sections (门类) with the divisions (大类, two digits) each spans. This is the
/// standard's fixed structure, not policy: it lets a code be written without its letter
/// ("3670" is C3670) and catches a letter that contradicts the digits ("C70").
const SECTIONS: [(char, u8, u8, &str); 20] = [
    ('A', 1, 5, "农、林、牧、渔业"),
    ('B', 6, 12, "采矿业"),
    ('C', 13, 43, "制造业"),
    ('D', 44, 46, "电力、热力、燃气及水生产和供应业"),
    ('E', 47, 50, "建筑业"),
    ('F', 51, 52, "批发和零售业"),
    ('G', 53, 60, "交通运输、仓储和邮政业"),
    ('H', 61, 62, "住宿和餐饮业"),
    ('I', 63, 65, "信息传输、软件和信息技术服务业"),
    ('J', 66, 69, "金融业"),
    ('K', 70, 70, "房地产业"),
    ('L', 71, 72, "租赁和商务服务业"),
    ('M', 73, 75, "科学研究和技术服务业"),
    ('N', 76, 79, "水利、环境和公共设施管理业"),
    ('O', 80, 82, "居民服务、修理和其他服务业"),
    ('P', 83, 83, "教育"),
    ('Q', 84, 85, "卫生和社会工作"),
    ('R', 86, 90, "文化、体育和娱乐业"),
    ('S', 91, 96, "公共管理、社会保障和社会组织"),
    ('T', 97, 97, "国际组织"),
];

fn section_of_division(division: u8) -> Option<char> {
    SECTIONS
        .iter()
        .find(|(_, lo, hi, _)| (*lo..=*hi).contains(&division))
        .map(|s| s.0)
}

fn section_name(section: char) -> Option<&'static str> {
    SECTIONS.iter().find(|s| s.0 == section).map(|s| s.3)
}

/// A GB/T 4754-2017 code: a section letter and 0, 2, 3 or 4 digits (门类/大类/中类/小类).
/// Parsed for every rule code on every lookup, so it holds its digits inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GbCode {
    section: char,
    digits: [u8; 4],
    len: usize,
}

impl GbCode {
    /// Parses a code as written in rule data or by a customer: "C3670", "c3670", "3670", "K70",
    /// "K". The letter is optional when digits are present, and must agree with them.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (letter, digits) = match s.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => (Some(c.to_ascii_uppercase()), &s[1..]),
            _ => (None, s),
        };
        let shape_ok = digits.bytes().all(|b| b.is_ascii_digit())
            && matches!((letter, digits.len()), (Some(_), 0) | (_, 2..=4));
        if !shape_ok {
            return Err(
                "行业代码须为门类字母加 2–4 位数字（字母可省略），如 K70、C3670、3670".into(),
            );
        }
        let mut code = Self {
            section: letter.unwrap_or_default(),
            digits: [0; 4],
            len: digits.len(),
        };
        code.digits[..digits.len()].copy_from_slice(digits.as_bytes());
        if digits.is_empty() {
            return match section_name(code.section) {
                Some(_) => Ok(code),
                None => Err(format!("行业门类须为 A–T，“{s}”不存在")),
            };
        }
        let division = (code.digits[0] - b'0') * 10 + (code.digits[1] - b'0');
        let Some(section) = section_of_division(division) else {
            return Err(format!("行业大类须为 01–97，“{s}”不存在"));
        };
        match letter {
            Some(l) if l != section => Err(format!(
                "行业代码“{s}”的门类应为 {section}（{division:02} 属于{}）",
                section_name(section).unwrap_or_default()
            )),
            _ => Ok(Self { section, ..code }),
        }
    }

    fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    /// Whether `self` (a rule) covers `code` (a customer's code): same section and a digit prefix.
    fn covers(&self, code: &GbCode) -> bool {
        self.section == code.section && code.digits().starts_with(self.digits())
    }
}

impl std::fmt::Display for GbCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.section)?;
        self.digits()
            .iter()
            .try_for_each(|&d| write!(f, "{}", d as char))
    }
}

/// Industry texts → class. Codes decide first (longest rule code wins), then keyword groups
/// in order, where the first group with a hit wins (the data lists exceptions, then the most
/// restrictive class); `default_class` is for a text that neither covers.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndustryMap {
    pub default_class: IndustryClass,
    /// GB/T 4754-2017 codes (门类 letter optional: "K70", "C3110", "3670", "R"); the longest rule
    /// code that prefixes the customer's code wins.
    #[serde(default)]
    pub codes: Vec<IndustryCode>,
    pub entries: Vec<IndustryEntry>,
    /// Words that, following a restricted-sector keyword, make it a supplier's goods
    /// ("洗浴" + "用品"): the customer sells *to* that sector.
    #[serde(default)]
    pub supplier_suffixes: Vec<String>,
    /// Words that, directly before a restricted-sector keyword, mean it is not the trade
    /// ("厂家" + "直销" is factory-direct sales, not 直销).
    #[serde(default)]
    pub supplier_prefixes: Vec<String>,
    /// Characters allowed between a keyword and its supplier suffix within one clause
    /// ("典当行管理软件": 3).
    #[serde(default)]
    pub supplier_max_gap: u32,
    /// The sentences shown to the broker. Omitted: the shipped sentences.
    #[serde(default)]
    pub texts: IndustryTexts,
}

/// One GB/T 4754-2017 code with its official name.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndustryCode {
    pub code: String,
    /// The standard's name, shown in the explanation ("汽车零部件及配件制造").
    pub name: String,
    pub class: IndustryClass,
}

/// A keyword group. `code_prefixes` is the v1 way of listing codes, still accepted (stored rule
/// sets use it); such codes compete with `codes` by length.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndustryEntry {
    pub class: IndustryClass,
    /// Substrings of the text; spaces, full-width forms and ASCII case are ignored.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// GB/T 4754 codes, like `codes` but without names.
    #[serde(default)]
    pub code_prefixes: Vec<String>,
}

/// Sentence templates. Placeholders: {code} {name} {class} {keyword} {phrase} {basis}
/// {industry} {industry_class} {main_business} {main_class}.
#[derive(Serialize, Deserialize, schemars::JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndustryTexts {
    pub by_code: String,
    pub by_keyword: String,
    /// One skipped supplier phrase; appended to the basis.
    pub supplier: String,
    pub unmatched: String,
    /// Wraps the main-business basis when the 行业 text did not classify.
    pub from_main_business: String,
    pub mismatch: String,
}

impl Default for IndustryTexts {
    fn default() -> Self {
        Self {
            by_code: "按行业代码 {code} {name}：{class}".into(),
            by_keyword: "按关键词“{keyword}”：{class}".into(),
            supplier: "“{phrase}”属于向该行业供货，不按“{keyword}”归类".into(),
            unmatched: "未识别出行业代码或关键词：按{class}处理".into(),
            from_main_business: "行业未能识别，以主营业务为准，{basis}".into(),
            mismatch: "行业填写为“{industry}”（{industry_class}），主营业务描述为“{main_business}”（{main_class}），请核对".into(),
        }
    }
}

/// Which of the customer's texts is read.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IndustrySource {
    /// 行业: may be a bare code ("3670") or a lone section letter ("C").
    Industry,
    /// 主营业务 / 经营范围: free text where numbers are quantities, so only lettered codes count.
    MainBusiness,
}

/// What decided the class of one text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IndustryMatch {
    /// The customer's code (normalised, e.g. "C3630") fell under the rule code `rule` ("C36").
    Code {
        code: String,
        rule: String,
        name: String,
    },
    Keyword {
        keyword: String,
    },
    /// Only supplier phrases were found: the text names restricted sectors as customers.
    SupplierOnly,
}

/// A restricted-sector keyword read as a supplier's goods.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SupplierPhrase {
    /// The words as written, keyword plus suffix or prefix plus keyword ("洗浴用品").
    pub phrase: String,
    pub keyword: String,
}

/// The reading of one text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TextClass {
    pub class: IndustryClass,
    pub matched: IndustryMatch,
    pub suppliers: Vec<SupplierPhrase>,
    /// The words around the match, for quoting a long text back to the broker.
    pub excerpt: String,
}

/// The classification of a customer, as carried by the diagnosis context.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct IndustryVerdict {
    pub class: IndustryClass,
    /// The text that decided; None when neither matched and the default class applies.
    pub source: Option<IndustrySource>,
    pub matched: Option<IndustryMatch>,
    /// Plain Chinese for the broker, e.g. "按行业代码 C3670 汽车零部件及配件制造：优先支持行业".
    pub basis: String,
    /// Set when 行业 and 主营业务 both classify, to different classes.
    pub mismatch: Option<String>,
}

/// Characters of context quoted either side of a match in a long text.
const EXCERPT_CONTEXT: usize = 8;
/// Texts up to this many characters are quoted whole.
const EXCERPT_WHOLE: usize = 24;

impl IndustryMap {
    /// The class of an 行业 text; `default_class` when nothing matches (v1 behaviour).
    pub fn classify(&self, industry: &str) -> IndustryClass {
        self.match_text(industry, IndustrySource::Industry)
            .map_or(self.default_class, |m| m.class)
    }

    /// Reads one text: its code first, then keywords. None when nothing in it is recognised.
    pub fn match_text(&self, text: &str, source: IndustrySource) -> Option<TextClass> {
        let folded = Folded::new(text);
        if let Some(code) = find_code(&folded.spaced, source)
            && let Some((rule, name, class)) = self.code_rule(&code)
        {
            let shown = code.to_string();
            let name = if rule == code {
                name
            } else {
                format!("属{name}")
            };
            return Some(TextClass {
                class,
                matched: IndustryMatch::Code {
                    code: shown.clone(),
                    rule: rule.to_string(),
                    name,
                },
                suppliers: vec![],
                excerpt: shown,
            });
        }
        self.match_keywords(&folded)
    }

    /// Classifies a customer from both texts (domain.md §2.7); None when both are empty.
    pub fn verdict(
        &self,
        industry: Option<&str>,
        main_business: Option<&str>,
    ) -> Option<IndustryVerdict> {
        fn given(t: Option<&str>) -> Option<&str> {
            t.map(str::trim).filter(|t| !t.is_empty())
        }
        let (industry, main_business) = (given(industry), given(main_business));
        if industry.is_none() && main_business.is_none() {
            return None;
        }
        let by_industry = industry.and_then(|t| self.match_text(t, IndustrySource::Industry));
        let by_main = main_business.and_then(|t| self.match_text(t, IndustrySource::MainBusiness));
        let t = &self.texts;
        let mismatch = match (&by_industry, &by_main, industry) {
            (Some(i), Some(m), Some(text)) if i.class != m.class => Some(fill(
                &t.mismatch,
                &[
                    ("industry", text),
                    ("industry_class", i.class.label()),
                    ("main_business", &m.excerpt),
                    ("main_class", m.class.label()),
                ],
            )),
            _ => None,
        };
        let verdict = match (by_industry, by_main) {
            (Some(i), _) => IndustryVerdict {
                class: i.class,
                source: Some(IndustrySource::Industry),
                basis: self.basis(&i),
                matched: Some(i.matched),
                mismatch,
            },
            (None, Some(m)) => IndustryVerdict {
                class: m.class,
                source: Some(IndustrySource::MainBusiness),
                basis: fill(&t.from_main_business, &[("basis", &self.basis(&m))]),
                matched: Some(m.matched),
                mismatch,
            },
            (None, None) => IndustryVerdict {
                class: self.default_class,
                source: None,
                matched: None,
                basis: fill(&t.unmatched, &[("class", self.default_class.label())]),
                mismatch,
            },
        };
        Some(verdict)
    }

    fn basis(&self, m: &TextClass) -> String {
        let t = &self.texts;
        let class = m.class.label();
        let head = match &m.matched {
            IndustryMatch::Code { code, name, .. } => fill(
                &t.by_code,
                &[("code", code), ("name", name), ("class", class)],
            ),
            IndustryMatch::Keyword { keyword } => {
                fill(&t.by_keyword, &[("keyword", keyword), ("class", class)])
            }
            IndustryMatch::SupplierOnly => fill(&t.unmatched, &[("class", class)]),
        };
        m.suppliers.iter().fold(head, |out, s| {
            let note = fill(
                &t.supplier,
                &[("phrase", &s.phrase), ("keyword", &s.keyword)],
            );
            format!("{out}；{note}")
        })
    }

    /// The longest rule code covering `code`: `codes` first, then v1 `code_prefixes`; the first
    /// listed wins a tie. Unparsable rule codes are skipped (validation reports them).
    fn code_rule(&self, code: &GbCode) -> Option<(GbCode, String, IndustryClass)> {
        let named = self
            .codes
            .iter()
            .map(|c| (c.code.as_str(), Some(c.name.as_str()), c.class));
        let legacy = self
            .entries
            .iter()
            .flat_map(|e| e.code_prefixes.iter().map(|p| (p.as_str(), None, e.class)));
        let mut best: Option<(GbCode, Option<&str>, IndustryClass)> = None;
        for (text, name, class) in named.chain(legacy) {
            let Ok(rule) = GbCode::parse(text) else {
                continue;
            };
            let longer = best.as_ref().is_none_or(|(b, ..)| rule.len > b.len);
            if rule.covers(code) && longer {
                best = Some((rule, name, class));
            }
        }
        best.map(|(rule, name, class)| {
            let name = name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .or_else(|| section_name(rule.section))
                .unwrap_or_default()
                .to_owned();
            (rule, name, class)
        })
    }

    fn match_keywords(&self, text: &Folded) -> Option<TextClass> {
        let hay = text.compact.as_str();
        let mut suppliers: Vec<SupplierPhrase> = vec![];
        for entry in &self.entries {
            // Only a restricted sector can be misread from its suppliers' goods; a supplier to
            // a preferred sector is no worse for it.
            let restricted = matches!(
                entry.class,
                IndustryClass::Cautious | IndustryClass::Prohibited
            );
            // Within a group the earliest hit names the trade: 经营范围 lists the main one first.
            let mut hit: Option<(usize, usize)> = None;
            for keyword in &entry.keywords {
                let needle = fold(keyword);
                if !text.may_contain(&needle) {
                    continue;
                }
                for (start, _) in hay.match_indices(needle.as_ref()) {
                    let end = start + needle.len();
                    if hit.is_some_and(|(s, e)| {
                        (s, std::cmp::Reverse(e)) <= (start, std::cmp::Reverse(end))
                    }) {
                        break;
                    }
                    let supplier = if restricted {
                        self.supplier_span(hay, start, end)
                    } else {
                        None
                    };
                    match supplier {
                        Some((from, to)) => {
                            let phrase = text.original(from, to).to_owned();
                            if !suppliers.iter().any(|s| s.phrase == phrase) {
                                suppliers.push(SupplierPhrase {
                                    phrase,
                                    keyword: text.original(start, end).to_owned(),
                                });
                            }
                        }
                        None => {
                            hit = Some((start, end));
                            break;
                        }
                    }
                }
            }
            if let Some((start, end)) = hit {
                return Some(TextClass {
                    class: entry.class,
                    matched: IndustryMatch::Keyword {
                        keyword: text.original(start, end).to_owned(),
                    },
                    suppliers,
                    excerpt: text.excerpt(start, end),
                });
            }
        }
        let first = fold(&suppliers.first()?.phrase).into_owned();
        let at = hay.find(&first).unwrap_or(0);
        let excerpt = text.excerpt(at, at + first.len());
        Some(TextClass {
            class: self.default_class,
            matched: IndustryMatch::SupplierOnly,
            suppliers,
            excerpt,
        })
    }

    /// The byte span of the supplier phrase around the keyword at `start..end`, if the keyword
    /// is a supplier's goods: a suffix within `supplier_max_gap` characters of the same clause
    /// after it, or a prefix right before it.
    fn supplier_span(&self, hay: &str, start: usize, end: usize) -> Option<(usize, usize)> {
        let before = &hay[..start];
        for p in &self.supplier_prefixes {
            let p = fold(p);
            if !p.is_empty() && before.ends_with(p.as_ref()) {
                return Some((start - p.len(), end));
            }
        }
        let after = &hay[end..];
        for (gap, (i, c)) in after.char_indices().enumerate() {
            let rest = &after[i..];
            for s in &self.supplier_suffixes {
                let s = fold(s);
                if !s.is_empty() && rest.starts_with(s.as_ref()) {
                    return Some((start, end + i + s.len()));
                }
            }
            if gap == self.supplier_max_gap as usize || !c.is_alphanumeric() {
                break;
            }
        }
        None
    }
}

/// A text in the two forms matching needs: `spaced` keeps word boundaries for codes,
/// `compact` drops whitespace for keywords. Both fold full-width ASCII and ASCII case;
/// `shown` is `compact` with the case kept, so a match can be quoted as written.
struct Folded {
    spaced: String,
    compact: String,
    shown: String,
    /// A 1024-bit filter of the characters in `compact`: most of the ~120 keywords share no
    /// character with a short text, and skipping their substring search halves a diagnosis.
    chars: [u64; 16],
}

impl Folded {
    fn new(text: &str) -> Self {
        let spaced: String = text
            .chars()
            .map(|c| {
                if c.is_whitespace() {
                    ' '
                } else {
                    half_width(c)
                }
            })
            .collect::<String>()
            .to_ascii_lowercase();
        let shown: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(half_width)
            .collect();
        let compact = shown.to_ascii_lowercase();
        let mut chars = [0; 16];
        for c in compact.chars() {
            let bit = c as usize % 1024;
            chars[bit / 64] |= 1 << (bit % 64);
        }
        Folded {
            spaced,
            compact,
            shown,
            chars,
        }
    }

    /// False when `needle` (folded) cannot occur: one of its characters is absent.
    fn may_contain(&self, needle: &str) -> bool {
        !needle.is_empty()
            && needle.chars().all(|c| {
                let bit = c as usize % 1024;
                self.chars[bit / 64] & (1 << (bit % 64)) != 0
            })
    }

    /// `compact[from..to]` with its original case (lower-casing ASCII keeps byte offsets).
    fn original(&self, from: usize, to: usize) -> &str {
        &self.shown[from..to]
    }

    /// The match at `from..to` with a few characters either side, or the whole text if short.
    fn excerpt(&self, from: usize, to: usize) -> String {
        if self.shown.chars().count() <= EXCERPT_WHOLE {
            return self.shown.clone();
        }
        let head: Vec<char> = self.shown[..from].chars().collect();
        let tail: Vec<char> = self.shown[to..].chars().collect();
        let lead = head.len().saturating_sub(EXCERPT_CONTEXT);
        let trail = tail.len().min(EXCERPT_CONTEXT);
        let mut out = String::new();
        if lead > 0 {
            out.push('…');
        }
        out.extend(&head[lead..]);
        out.push_str(&self.shown[from..to]);
        out.extend(&tail[..trail]);
        if trail < tail.len() {
            out.push('…');
        }
        out
    }
}

fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The comparison form of a keyword or suffix, as `Folded::compact` holds the text. Runs for
/// every keyword of every diagnosis, so data already in that form is not copied.
fn fold(s: &str) -> Cow<'_, str> {
    let folded = |c: char| !c.is_whitespace() && !c.is_ascii_uppercase() && half_width(c) == c;
    if s.chars().all(folded) {
        return Cow::Borrowed(s);
    }
    let out: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(half_width)
        .collect();
    Cow::Owned(out.to_ascii_lowercase())
}

/// The first GB/T 4754 code in a folded text. A lettered code ("c3670", "c-3670", "c 3670")
/// counts anywhere it stands alone among ASCII letters and digits ("ktv", "p2p", "b2b" are not
/// codes). In an 行业 text a leading bare code ("3670 汽车零部件") or a lone leading section
/// letter ("c 制造业") also counts; in free text numbers are quantities ("2000吨") and letters
/// are grades ("a级").
fn find_code(text: &str, source: IndustrySource) -> Option<GbCode> {
    let chars: Vec<char> = text.chars().collect();
    let is_word = |i: usize| chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric());
    let digits_from = |i: usize| {
        let n = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        (chars[i..i + n].iter().collect::<String>(), i + n)
    };
    let industry = source == IndustrySource::Industry;
    let lead = chars
        .iter()
        .take_while(|c| matches!(c, ' ' | '(' | '（' | '[' | '【'))
        .count();
    if industry && chars.get(lead).is_some_and(|c| c.is_ascii_digit()) {
        let (digits, next) = digits_from(lead);
        if !is_word(next)
            && let Ok(code) = GbCode::parse(&digits)
        {
            return Some(code);
        }
    }
    for i in 0..chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphabetic() || (i > 0 && is_word(i - 1)) {
            continue;
        }
        let skip = usize::from(matches!(chars.get(i + 1), Some(' ' | '-')));
        let (digits, next) = digits_from(i + 1 + skip);
        let candidate = if !digits.is_empty() {
            (!is_word(next)).then(|| format!("{c}{digits}"))
        } else {
            (industry && i == lead && lone_letter(&chars[i + 1..])).then(|| c.to_string())
        };
        if let Some(Ok(code)) = candidate.map(|t| GbCode::parse(&t)) {
            return Some(code);
        }
    }
    None
}

/// Whether a letter followed by `rest` stands alone: "c 制造业" and "c" do, "ktv", "k t v" (a
/// spaced-out word) and "a股" do not.
fn lone_letter(rest: &[char]) -> bool {
    match rest.first() {
        None => true,
        Some(c) if c.is_alphanumeric() => false,
        Some(_) => rest
            .iter()
            .find(|c| c.is_alphanumeric())
            .is_none_or(|c| !c.is_ascii_alphanumeric()),
    }
}

/// Replaces `{key}` placeholders in one pass, so a customer's text is never expanded again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open + 1..];
        let value = tail
            .find('}')
            .and_then(|close| Some((close, values.iter().find(|(k, _)| *k == &tail[..close])?.1)));
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &tail[close + 1..];
            }
            None => {
                out.push('{');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Placeholders each template may use, for validation.
pub(super) const TEXT_PLACEHOLDERS: [(&str, &[&str]); 6] = [
    ("by_code", &["code", "name", "class"]),
    ("by_keyword", &["keyword", "class"]),
    ("supplier", &["phrase", "keyword"]),
    ("unmatched", &["class"]),
    ("from_main_business", &["basis"]),
    (
        "mismatch",
        &["industry", "industry_class", "main_business", "main_class"],
    ),
];

impl IndustryTexts {
    /// The templates by JSON key, in `TEXT_PLACEHOLDERS` order.
    pub(super) fn by_key(&self) -> [(&'static str, &str); 6] {
        [
            ("by_code", &self.by_code),
            ("by_keyword", &self.by_keyword),
            ("supplier", &self.supplier),
            ("unmatched", &self.unmatched),
            ("from_main_business", &self.from_main_business),
            ("mismatch", &self.mismatch),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::engine::context::Ctx;
    use crate::domain::engine::rules::RuleSet;
    use crate::domain::engine::testkit::*;
    use IndustryClass::{Cautious, Normal, Preferred, Prohibited};

    fn map() -> IndustryMap {
        RuleSet::default_rules().industry
    }

    /// (行业, 主营业务, class, words the basis must contain, words the mismatch must contain or
    /// "" for none). Rows marked v1 were the old table; v1 banned the rows marked "v1 banned"
    /// and preferred "C3110 炼钢".
    const TABLE: &[(&str, &str, Option<IndustryClass>, &str, &str)] = &[
        // The issue's examples.
        (
            "洗浴用品批发",
            "",
            Some(Preferred),
            "按关键词“批发”：优先支持行业；“洗浴用品”属于向该行业供货，不按“洗浴”归类",
            "",
        ), // v1 banned
        (
            "足浴盆制造",
            "",
            Some(Preferred),
            "按关键词“制造”：优先支持行业；“足浴盆”属于",
            "",
        ), // v1 banned
        (
            "资产管理软件开发",
            "",
            Some(Preferred),
            "按关键词“软件”：优先支持行业；“资产管理软件”",
            "",
        ), // v1 banned
        (
            "厂家直销建材",
            "",
            Some(Cautious),
            "按关键词“建材”：审慎准入行业；“厂家直销”属于向该行业供货，不按“直销”归类",
            "",
        ), // v1 banned
        (
            "KTV音响设备制造",
            "",
            Some(Preferred),
            "按关键词“制造”：优先支持行业；“KTV音响”",
            "",
        ), // v1 banned
        (
            "C3110 炼钢",
            "",
            Some(Prohibited),
            "按行业代码 C3110 炼铁：禁入行业",
            "",
        ), // v1 preferred
        (
            "C3670 汽车零部件及配件制造",
            "",
            Some(Preferred),
            "按行业代码 C3670 汽车零部件及配件制造：优先支持行业",
            "",
        ),
        (
            "房地产开发",
            "",
            Some(Prohibited),
            "按关键词“房地产”：禁入行业",
            "",
        ),
        // Codes at every level, with and without the section letter; the longest rule wins.
        (
            "3670",
            "",
            Some(Preferred),
            "按行业代码 C3670 汽车零部件及配件制造",
            "",
        ),
        (
            "C36",
            "",
            Some(Preferred),
            "按行业代码 C36 汽车制造业：优先支持行业",
            "",
        ),
        (
            "C3630 改装汽车制造",
            "",
            Some(Preferred),
            "按行业代码 C3630 属汽车制造业：优先支持行业",
            "",
        ),
        (
            "C3120",
            "",
            Some(Prohibited),
            "按行业代码 C3120 炼钢：禁入行业",
            "",
        ),
        (
            "C3130 钢压延加工",
            "",
            Some(Cautious),
            "按行业代码 C3130 属黑色金属冶炼和压延加工业：审慎准入行业",
            "",
        ),
        (
            "C31",
            "",
            Some(Cautious),
            "C31 黑色金属冶炼和压延加工业",
            "",
        ),
        (
            "C30 非金属矿物制品业",
            "",
            Some(Cautious),
            "按行业代码 C30 非金属矿物制品业",
            "",
        ),
        (
            "C2438 珠宝首饰及有关物品制造",
            "",
            Some(Preferred),
            "按行业代码 C2438 属制造业",
            "",
        ),
        (
            "K70",
            "",
            Some(Prohibited),
            "按行业代码 K70 房地产业：禁入行业",
            "",
        ),
        (
            "k7010 房地产开发",
            "",
            Some(Prohibited),
            "按行业代码 K7010 房地产开发经营",
            "",
        ),
        (
            "7020 物业管理",
            "",
            Some(Cautious),
            "按行业代码 K7020 物业管理：审慎准入行业",
            "",
        ),
        ("J66", "", Some(Prohibited), "J66 货币金融服务", ""),
        (
            "J6741 期货市场管理服务",
            "",
            Some(Prohibited),
            "J6741 属资本市场服务",
            "",
        ),
        ("J69", "", Some(Prohibited), "J69 其他金融业", ""),
        ("6637", "", Some(Prohibited), "J6637 网络借贷服务", ""),
        (
            "L7212 投资与资产管理",
            "",
            Some(Prohibited),
            "L7212 投资与资产管理：禁入行业",
            "",
        ),
        (
            "L7296 非融资担保服务",
            "",
            Some(Normal),
            "L7296 属租赁和商务服务业：一般行业",
            "",
        ),
        (
            "B0610",
            "",
            Some(Cautious),
            "按行业代码 B0610 属采矿业：审慎准入行业",
            "",
        ),
        ("E4710 住宅房屋建筑", "", Some(Cautious), "属建筑业", ""),
        (
            "A0111 稻谷种植",
            "",
            Some(Cautious),
            "属农、林、牧、渔业",
            "",
        ),
        (
            "R9011 歌舞厅娱乐活动",
            "",
            Some(Prohibited),
            "R9011 歌舞厅娱乐活动：禁入行业",
            "",
        ),
        (
            "R9020 游乐园",
            "",
            Some(Cautious),
            "R9020 属娱乐业：审慎准入行业",
            "",
        ),
        (
            "I6513 应用软件开发",
            "",
            Some(Preferred),
            "I6513 属软件和信息技术服务业",
            "",
        ),
        (
            "F5137 家用视听设备批发",
            "",
            Some(Preferred),
            "F5137 属批发业",
            "",
        ),
        (
            "F5165 建材批发",
            "",
            Some(Cautious),
            "F5165 建材批发：审慎准入行业",
            "",
        ),
        (
            "H6210 正餐服务",
            "",
            Some(Normal),
            "H6210 属餐饮业：一般行业",
            "",
        ),
        ("H6233", "", Some(Prohibited), "H6233 酒吧服务", ""),
        ("O8051 洗浴服务", "", Some(Prohibited), "O8051 洗浴服务", ""),
        ("M7320", "", Some(Normal), "属科学研究和技术服务业", ""),
        (
            "C 制造业",
            "",
            Some(Preferred),
            "按行业代码 C 制造业：优先支持行业",
            "",
        ),
        (
            "汽车零部件（C3670）",
            "",
            Some(Preferred),
            "按行业代码 C3670",
            "",
        ),
        // Full-width forms and spaces.
        (
            "Ｃ３６７０　汽车零部件",
            "",
            Some(Preferred),
            "按行业代码 C3670",
            "",
        ),
        (" c-3670 ", "", Some(Preferred), "按行业代码 C3670", ""),
        ("Ｋ Ｔ Ｖ 娱乐", "", Some(Prohibited), "按关键词“KTV”", ""),
        (
            "房 地 产 开 发",
            "",
            Some(Prohibited),
            "按关键词“房地产”",
            "",
        ),
        // Not codes: a letter that contradicts its digits, and words with digits in them.
        (
            "K3670 汽车零部件制造",
            "",
            Some(Preferred),
            "按关键词“制造”",
            "",
        ),
        ("P2P网络借贷", "", Some(Prohibited), "按关键词“P2P”", ""),
        (
            "B2B电子商务平台",
            "",
            Some(Preferred),
            "按关键词“电子商务”",
            "",
        ),
        (
            "4S店汽车销售",
            "",
            Some(Normal),
            "未识别出行业代码或关键词：按一般行业处理",
            "",
        ),
        // The sector itself vs a supplier to it.
        ("洗浴中心", "", Some(Prohibited), "按关键词“洗浴”", ""),
        ("足浴店", "", Some(Prohibited), "按关键词“足浴”", ""),
        (
            "KTV装修工程",
            "",
            Some(Cautious),
            "按关键词“装修”：审慎准入行业；“KTV装修”",
            "",
        ),
        (
            "网吧设备销售",
            "",
            Some(Normal),
            "按一般行业处理；“网吧设备”属于向该行业供货，不按“网吧”归类",
            "",
        ),
        (
            "典当行管理软件开发",
            "",
            Some(Preferred),
            "“典当行管理软件”",
            "",
        ),
        ("金融软件开发", "", Some(Preferred), "按关键词“软件”", ""),
        ("金融信息服务", "", Some(Prohibited), "按关键词“金融”", ""),
        (
            "非融资担保服务",
            "",
            Some(Normal),
            "按关键词“非融资担保”：一般行业",
            "",
        ),
        ("融资担保", "", Some(Prohibited), "按关键词“融资担保”", ""),
        ("建筑机械制造", "", Some(Preferred), "“建筑机械”", ""),
        ("建筑劳务分包", "", Some(Cautious), "按关键词“建筑”", ""),
        ("养殖设备制造", "", Some(Preferred), "“养殖设备”", ""),
        ("代理记账", "", Some(Normal), "未识别出", ""),
        // v1 table.
        ("房地产开发经营", "", Some(Prohibited), "房地产", ""),
        ("K7010 房地产开发", "", Some(Prohibited), "K7010", ""),
        ("KTV娱乐", "", Some(Prohibited), "KTV", ""),
        ("小额贷款公司", "", Some(Prohibited), "小额贷款", ""),
        ("建筑装饰工程", "", Some(Cautious), "建筑", ""),
        ("道路货运", "", Some(Cautious), "道路货运", ""),
        ("汽车零部件制造", "", Some(Preferred), "制造", ""),
        ("C3670", "", Some(Preferred), "C3670", ""),
        (
            "软件和信息技术服务",
            "",
            Some(Preferred),
            "按关键词“软件”",
            "",
        ),
        ("餐饮服务", "", Some(Normal), "按关键词“餐饮”：一般行业", ""),
        // 主营业务: the fallback, and a mismatch when both texts classify.
        (
            "",
            "软件开发；信息技术咨询",
            Some(Preferred),
            "行业未能识别，以主营业务为准，按关键词“软件”",
            "",
        ),
        (
            "服务业",
            "KTV经营",
            Some(Prohibited),
            "以主营业务为准，按关键词“KTV”：禁入行业",
            "",
        ),
        (
            "批发业",
            "房地产开发经营",
            Some(Preferred),
            "按关键词“批发”",
            "行业填写为“批发业”（优先支持行业），主营业务描述为“房地产开发经营”（禁入行业），请核对",
        ),
        (
            "C3670",
            "汽车零部件的研发、生产与销售，兼营二手房买卖及房地产经纪业务咨询服务",
            Some(Preferred),
            "C3670",
            "主营业务描述为“…兼营二手房买卖及房地产经纪业务咨询服务”（禁入行业）",
        ),
        (
            "KTV",
            "KTV音响设备销售",
            Some(Prohibited),
            "按关键词“KTV”",
            "（禁入行业），主营业务描述为“KTV音响设备销售”（一般行业）",
        ),
        ("C3670", "汽车零部件制造", Some(Preferred), "C3670", ""),
        ("", "年产3670台，出口欧美", Some(Normal), "未识别出", ""),
        (
            "",
            "A级纳税人，主营建材批发",
            Some(Cautious),
            "以主营业务为准，按关键词“建材”",
            "",
        ),
        (
            "",
            "C3670 汽车零部件",
            Some(Preferred),
            "以主营业务为准，按行业代码 C3670",
            "",
        ),
        // Nothing to read.
        ("", "", None, "", ""),
        ("  ", " ", None, "", ""),
    ];

    #[test]
    fn industry_classification_table() {
        let m = map();
        assert!(TABLE.len() >= 40);
        for &(industry, main, want, basis, mismatch) in TABLE {
            let v = m.verdict(Some(industry), Some(main));
            let case = format!("{industry} / {main}: {v:?}");
            assert_eq!(v.as_ref().map(|v| v.class), want, "{case}");
            let Some(v) = v else { continue };
            assert!(v.basis.contains(basis), "{case}");
            match mismatch {
                "" => assert_eq!(v.mismatch, None, "{case}"),
                m => assert!(
                    v.mismatch.as_deref().is_some_and(|t| t.contains(m)),
                    "{case}"
                ),
            }
            assert!(!v.basis.contains('{') && !v.basis.contains('}'), "{case}");
            if main.is_empty() {
                assert_eq!(m.classify(industry), v.class, "{case}");
            }
        }
    }

    #[test]
    fn verdict_says_which_text_decided() {
        let m = map();
        let v = m.verdict(Some("C3670"), None).unwrap();
        assert_eq!(v.source, Some(IndustrySource::Industry));
        assert_eq!(
            v.matched,
            Some(IndustryMatch::Code {
                code: "C3670".into(),
                rule: "C3670".into(),
                name: "汽车零部件及配件制造".into()
            })
        );
        let v = m.verdict(None, Some("足浴店")).unwrap();
        assert_eq!(v.source, Some(IndustrySource::MainBusiness));
        assert_eq!(
            v.matched,
            Some(IndustryMatch::Keyword {
                keyword: "足浴".into()
            })
        );
        let v = m.verdict(Some("其他"), None).unwrap();
        assert_eq!((v.class, v.source, v.matched), (Normal, None, None));
        let t = m.match_text("网吧设备", IndustrySource::Industry).unwrap();
        assert_eq!(t.matched, IndustryMatch::SupplierOnly);
        assert_eq!(
            t.suppliers,
            vec![SupplierPhrase {
                phrase: "网吧设备".into(),
                keyword: "网吧".into()
            }]
        );
    }

    #[test]
    fn context_carries_the_verdict() {
        let f = strong_with(|f| {
            f.industry = Some("洗浴用品批发".into());
            f.main_business = Some("酒店洗浴用品、一次性用品批发".into());
        });
        let rules = RuleSet::default_rules();
        let ctx = Ctx::new(&f, &rules, today());
        assert_eq!(ctx.industry_class, Some(Preferred));
        assert_eq!(ctx.industry.as_ref().map(|v| v.class), ctx.industry_class);
        assert!(!diag(&f).vetoes.iter().any(|v| v.id == "V6"));
        let f = strong_with(|f| {
            f.industry = None;
            f.main_business = Some("房地产开发".into());
        });
        assert!(diag(&f).vetoes.iter().any(|v| v.id == "V6"));
        let f = strong_with(|f| f.industry = None);
        assert_eq!(Ctx::new(&f, &rules, today()).industry, None);
    }

    #[test]
    fn longest_code_wins_whatever_the_order() {
        let m: IndustryMap = serde_json::from_value(serde_json::json!({
            "default_class": "normal",
            "codes": [
                { "code": "C3110", "name": "炼铁", "class": "prohibited" },
                { "code": "C", "name": "制造业", "class": "preferred" },
                { "code": "31", "name": "黑色金属冶炼和压延加工业", "class": "cautious" }
            ],
            "entries": [{ "class": "normal", "code_prefixes": ["C311", "C31"] }]
        }))
        .unwrap();
        let class = |t: &str| m.classify(t);
        assert_eq!(class("C3110"), Prohibited);
        // A v1 prefix of four characters outranks the named three-character code; on a tie
        // the named code, listed first, wins.
        assert_eq!(class("C3111"), Normal);
        assert_eq!(class("C3130"), Cautious);
        assert_eq!(class("C2438"), Preferred);
        assert_eq!(class("C"), Preferred);
        assert_eq!(class("K70"), Normal);
    }

    /// The shape stored by v1 (no codes, suppliers or texts; section letters as code prefixes).
    const V1_INDUSTRY: &str = r#"{
        "default_class": "normal",
        "entries": [
            { "class": "prohibited", "keywords": ["房地产", "洗浴"], "code_prefixes": ["K", "J"] },
            { "class": "cautious", "keywords": ["建筑"], "code_prefixes": ["A", "B", "E"] },
            { "class": "preferred", "keywords": ["制造", "批发"], "code_prefixes": ["C", "F", "I"] }
        ]
    }"#;

    #[test]
    fn v1_rule_sets_still_parse_and_classify() {
        let v1: serde_json::Value = serde_json::from_str(V1_INDUSTRY).unwrap();
        let mut all: serde_json::Value =
            serde_json::from_str(RuleSet::default_rules_json()).unwrap();
        all["industry"] = v1;
        let rules = crate::domain::engine::parse_rules(&all.to_string()).expect("v1 shape");
        let m = rules.industry;
        assert!(m.codes.is_empty() && m.supplier_suffixes.is_empty());
        assert_eq!(m.texts, IndustryTexts::default());
        let v = m.verdict(Some("K7010"), None).unwrap();
        assert_eq!(v.class, Prohibited);
        assert_eq!(v.basis, "按行业代码 K7010 属房地产业：禁入行业");
        assert_eq!(m.classify("C3670"), Preferred);
        assert_eq!(m.classify("3670"), Preferred);
        // Without supplier data v1 keeps reading substrings.
        assert_eq!(m.classify("洗浴用品批发"), Prohibited);
    }

    #[test]
    fn shipped_texts_are_the_defaults() {
        assert_eq!(map().texts, IndustryTexts::default());
    }

    #[test]
    fn codes_parse_and_normalise() {
        let ok = [
            ("C3670", "C3670"),
            ("c3670", "C3670"),
            ("3670", "C3670"),
            ("K70", "K70"),
            ("70", "K70"),
            ("J663", "J663"),
            ("R", "R"),
            ("05", "A05"),
        ];
        for (text, want) in ok {
            assert_eq!(GbCode::parse(text).map(|c| c.to_string()), Ok(want.into()));
        }
        for bad in [
            "", "C3", "C36701", "K3670", "C70", "U", "98", "00", "CC36", "C36A",
        ] {
            assert!(GbCode::parse(bad).is_err(), "{bad}");
        }
        assert!(GbCode::parse("C70").unwrap_err().contains("应为 K"));
    }

    #[test]
    fn codes_are_found_only_where_they_stand_alone() {
        let code = |t: &str, s| find_code(&Folded::new(t).spaced, s).map(|c| c.to_string());
        use IndustrySource::{Industry, MainBusiness};
        assert_eq!(code("K7010 房地产", Industry), Some("K7010".into()));
        assert_eq!(
            code("汽车零部件(C3670)", MainBusiness),
            Some("C3670".into())
        );
        assert_eq!(code("3670汽车零部件", Industry), Some("C3670".into()));
        assert_eq!(code("c", Industry), Some("C".into()));
        assert_eq!(code("e 建筑业", Industry), Some("E".into()));
        assert_eq!(code("k t v", Industry), None);
        assert_eq!(code("3670", MainBusiness), None);
        assert_eq!(code("c 制造", MainBusiness), None);
        for text in [
            "ktv",
            "p2p",
            "b2b",
            "a股",
            "a级",
            "4s店",
            "iso9001",
            "c36701",
            "房地产",
        ] {
            assert_eq!(code(text, Industry), None, "{text}");
        }
    }

    #[test]
    fn long_texts_are_quoted_around_the_match() {
        let f = Folded::new(
            "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳房地产午未申酉戌亥天地玄黄宇宙洪荒",
        );
        let at = f.compact.find("房地产").unwrap();
        assert_eq!(
            f.excerpt(at, at + "房地产".len()),
            "…壬癸子丑寅卯辰巳房地产午未申酉戌亥天地…"
        );
        let short = Folded::new("洗浴 用品批发");
        assert_eq!(short.excerpt(0, 6), "洗浴用品批发");
    }

    #[test]
    fn fill_replaces_once() {
        assert_eq!(
            fill(
                "行业{industry}：{class}{unknown}",
                &[("industry", "{class}"), ("class", "禁入行业")]
            ),
            "行业{class}：禁入行业{unknown}"
        );
    }
}
