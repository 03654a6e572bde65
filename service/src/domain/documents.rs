//! Customer documents (客户资料): what a file is (by its content, never its name), the name it may
//! be shown under, and the document checklist per product (which kinds a lender asks for).

use std::collections::BTreeSet;
use std::io::Cursor;

use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use super::vocab::{DocumentKind, ProductFamily};

pub const PDF: &str = "application/pdf";
pub const PNG: &str = "image/png";
pub const JPEG: &str = "image/jpeg";
pub const WEBP: &str = "image/webp";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The accepted types in the words a broker knows (for error messages and the UI).
pub const ACCEPTED_IN_WORDS: &str = "PDF、JPEG、PNG、WebP 图片或 Excel（.xlsx）";

/// The type of `bytes` recognised from their content: PDF, JPEG, PNG, WebP, or xlsx (a zip
/// holding `[Content_Types].xml` and an `xl/` part). Anything else — an executable renamed to
/// `.pdf`, HTML, SVG, a plain zip or an old `.xls` — is `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some(PDF)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(PNG)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if bytes.len() >= 16 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(WEBP)
    } else if bytes.starts_with(b"PK\x03\x04") && is_xlsx(bytes) {
        Some(XLSX)
    } else {
        None
    }
}

/// Reads only the zip's central directory (names), never inflates an entry.
fn is_xlsx(bytes: &[u8]) -> bool {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let (mut content_types, mut workbook) = (false, false);
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            return false;
        };
        let Ok(name) = entry.name() else {
            return false;
        };
        content_types |= name == "[Content_Types].xml";
        workbook |= name.starts_with("xl/");
    }
    content_types && workbook
}

/// Whether a browser may show the type itself (preview): images and PDF, never a spreadsheet.
pub fn previewable(content_type: &str) -> bool {
    matches!(content_type, PDF | PNG | JPEG | WEBP)
}

/// The extension the stored type is downloaded with, whatever the client called the file.
fn extension(content_type: &str) -> &'static str {
    match content_type {
        PDF => "pdf",
        PNG => "png",
        JPEG => "jpg",
        WEBP => "webp",
        XLSX => "xlsx",
        _ => "bin",
    }
}

pub const MAX_NAME_CHARS: usize = 120;

/// The client's file name made safe to show and to offer as a download name: the last path
/// segment only (`/` and `\`), no control characters (NUL included), no leading dots, at most
/// [`MAX_NAME_CHARS`] characters, and the extension of the recognised type. It is never used
/// as a path.
pub fn display_name(raw: Option<&str>, content_type: &str) -> String {
    let last = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let ext = extension(content_type);
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, e))
            if e.eq_ignore_ascii_case(ext) || (ext == "jpg" && e.eq_ignore_ascii_case("jpeg")) =>
        {
            return truncate(cleaned, ext, stem);
        }
        _ => cleaned,
    };
    truncate(&format!("{stem}.{ext}"), ext, stem)
}

fn truncate(name: &str, ext: &str, stem: &str) -> String {
    if stem.trim().is_empty() {
        return format!("资料.{ext}");
    }
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let keep = MAX_NAME_CHARS - ext.len() - 1;
    let short: String = stem.chars().take(keep).collect();
    format!("{short}.{ext}")
}

/// The kinds one product family needs.
#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct FamilyKinds {
    pub family: ProductFamily,
    pub kinds: Vec<DocumentKind>,
}

/// The kinds one product needs, instead of its family's list.
#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ProductKinds {
    /// The product's key (`id` in the product library, e.g. `ccb_yunshuidai`).
    #[oai(validator(min_length = 1, max_length = 64))]
    pub product_id: String,
    pub kinds: Vec<DocumentKind>,
}

/// Which documents the lenders ask for: per product family, and per product where one product
/// asks for something else than its family.
#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DocumentChecklist {
    pub families: Vec<FamilyKinds>,
    #[oai(default)]
    #[serde(default)]
    pub products: Vec<ProductKinds>,
}

impl Default for DocumentChecklist {
    /// What Chinese lenders commonly ask for, per family (the broker adjusts it per bank).
    fn default() -> Self {
        use DocumentKind as K;
        let basic = [K::BusinessLicense, K::IdCard, K::CreditReport];
        let with = |extra: &[DocumentKind]| basic.iter().chain(extra).copied().collect();
        let families = [
            (ProductFamily::TaxLoan, with(&[K::TaxCertificate])),
            (
                ProductFamily::InvoiceLoan,
                with(&[K::TaxCertificate, K::Contract]),
            ),
            (ProductFamily::FlowLoan, with(&[K::BankStatement])),
            (
                ProductFamily::Mortgage,
                with(&[K::BankStatement, K::Property]),
            ),
            (
                ProductFamily::CreditLoan,
                with(&[K::BankStatement, K::FinancialStatement]),
            ),
            (ProductFamily::Platform, with(&[K::BankStatement])),
        ]
        .into_iter()
        .map(|(family, kinds)| FamilyKinds { family, kinds })
        .collect();
        Self {
            families,
            products: vec![],
        }
    }
}

/// A checklist problem: the field path and a Chinese message naming it.
#[derive(Debug, PartialEq)]
pub struct ChecklistError {
    pub field: String,
    pub message: String,
}

impl DocumentChecklist {
    /// The kinds `product` (key and family) needs: its own list, else its family's.
    pub fn required(&self, product_id: &str, family: ProductFamily) -> Vec<DocumentKind> {
        self.products
            .iter()
            .find(|p| p.product_id == product_id)
            .map(|p| p.kinds.clone())
            .or_else(|| {
                self.families
                    .iter()
                    .find(|f| f.family == family)
                    .map(|f| f.kinds.clone())
            })
            .unwrap_or_default()
    }

    /// Refuses products not in `known` and repeated families, products or kinds; sorts nothing
    /// (the admin's order is the order shown).
    pub fn validate(&self, known: &[String]) -> Result<(), ChecklistError> {
        let mut families = BTreeSet::new();
        for (i, f) in self.families.iter().enumerate() {
            if !families.insert(f.family) {
                return Err(ChecklistError {
                    field: format!("families[{i}].family"),
                    message: format!("产品类型「{}」重复出现", f.family.label()),
                });
            }
            no_repeats(&f.kinds, &format!("families[{i}].kinds"))?;
        }
        let mut products = BTreeSet::new();
        for (i, p) in self.products.iter().enumerate() {
            let field = format!("products[{i}].product_id");
            if !known.contains(&p.product_id) {
                return Err(ChecklistError {
                    field,
                    message: format!("产品库中没有产品「{}」", p.product_id),
                });
            }
            if !products.insert(p.product_id.as_str()) {
                return Err(ChecklistError {
                    field,
                    message: format!("产品「{}」重复出现", p.product_id),
                });
            }
            no_repeats(&p.kinds, &format!("products[{i}].kinds"))?;
        }
        Ok(())
    }
}

fn no_repeats(kinds: &[DocumentKind], field: &str) -> Result<(), ChecklistError> {
    let mut seen = BTreeSet::new();
    match kinds.iter().find(|k| !seen.insert(**k)) {
        Some(k) => Err(ChecklistError {
            field: field.into(),
            message: format!("资料类型「{}」重复出现", k.label()),
        }),
        None => Ok(()),
    }
}

/// One product of the diagnosis and the kinds it still lacks.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct ProductMissing {
    pub product_id: String,
    pub name: String,
    pub family: ProductFamily,
    pub required: Vec<DocumentKind>,
    pub missing: Vec<DocumentKind>,
}

/// One missing kind and the products that need it (names, for "还缺：营业执照（税贷需要）").
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct KindMissing {
    pub kind: DocumentKind,
    pub product_names: Vec<String>,
}

/// The products the latest diagnosis found eligible, with what each still lacks, and the missing
/// kinds over all of them (in the order of [`DocumentKind::ALL`]).
pub fn missing(
    checklist: &DocumentChecklist,
    products: &[(String, String, ProductFamily)],
    present: &BTreeSet<DocumentKind>,
) -> (Vec<ProductMissing>, Vec<KindMissing>) {
    let per_product: Vec<ProductMissing> = products
        .iter()
        .map(|(id, name, family)| {
            let required = checklist.required(id, *family);
            let missing = required
                .iter()
                .filter(|k| !present.contains(k))
                .copied()
                .collect();
            ProductMissing {
                product_id: id.clone(),
                name: name.clone(),
                family: *family,
                required,
                missing,
            }
        })
        .collect();
    let kinds = DocumentKind::ALL
        .iter()
        .filter_map(|k| {
            let names: Vec<String> = per_product
                .iter()
                .filter(|p| p.missing.contains(k))
                .map(|p| p.name.clone())
                .collect();
            (!names.is_empty()).then_some(KindMissing {
                kind: *k,
                product_names: names,
            })
        })
        .collect();
    (per_product, kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_recognised_by_content_only() {
        assert_eq!(sniff(b"%PDF-1.4\n..."), Some(PDF));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(PNG));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(JPEG));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 \0\0\0\0"), Some(WEBP));
        for refused in [
            &b"MZ\x90\0\x03\0\0\0"[..],
            b"<!doctype html><script>alert(1)</script>",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"PK\x03\x04 not really a zip",
            b"",
        ] {
            assert_eq!(sniff(refused), None);
        }
    }

    #[test]
    fn names_lose_directories_and_control_characters_and_get_the_real_extension() {
        assert_eq!(display_name(Some("../../etc/passwd"), PDF), "passwd.pdf");
        assert_eq!(display_name(Some("C:\\tmp\\执照.PDF"), PDF), "执照.PDF");
        assert_eq!(display_name(Some("a\0b.png"), PNG), "ab.png");
        assert_eq!(display_name(Some("..."), PNG), "资料.png");
        assert_eq!(display_name(None, XLSX), "资料.xlsx");
        assert_eq!(display_name(Some("photo.jpeg"), JPEG), "photo.jpeg");
        assert_eq!(display_name(Some("virus.exe"), PDF), "virus.exe.pdf");
        assert_eq!(display_name(Some("\u{202E}fdp.exe"), PDF), "fdp.exe.pdf");
        let long = "长".repeat(300);
        assert_eq!(
            display_name(Some(&long), PDF).chars().count(),
            MAX_NAME_CHARS
        );
    }

    #[test]
    fn a_product_list_replaces_its_family_list() {
        let mut c = DocumentChecklist::default();
        let tax = c.required("ccb_yunshuidai", ProductFamily::TaxLoan);
        assert!(tax.contains(&DocumentKind::TaxCertificate));
        c.products.push(ProductKinds {
            product_id: "ccb_yunshuidai".into(),
            kinds: vec![DocumentKind::BusinessLicense],
        });
        assert_eq!(
            c.required("ccb_yunshuidai", ProductFamily::TaxLoan),
            vec![DocumentKind::BusinessLicense]
        );
        assert_eq!(c.required("tax_loan", ProductFamily::TaxLoan), tax);
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = DocumentChecklist::default();
        c.products.push(ProductKinds {
            product_id: "nope".into(),
            kinds: vec![],
        });
        let e = c.validate(&["tax_loan".into()]).unwrap_err();
        assert_eq!(e.field, "products[0].product_id");
        let mut c = DocumentChecklist::default();
        c.families[1].kinds.push(DocumentKind::BusinessLicense);
        assert_eq!(c.validate(&[]).unwrap_err().field, "families[1].kinds");
    }

    #[test]
    fn missing_kinds_name_the_products_that_need_them() {
        let c = DocumentChecklist::default();
        let present = BTreeSet::from([DocumentKind::BusinessLicense, DocumentKind::IdCard]);
        let products = [(
            "tax_loan".to_string(),
            "税贷（通用）".to_string(),
            ProductFamily::TaxLoan,
        )];
        let (per, kinds) = missing(&c, &products, &present);
        assert_eq!(
            per[0].missing,
            vec![DocumentKind::CreditReport, DocumentKind::TaxCertificate]
        );
        assert_eq!(kinds[1].kind, DocumentKind::TaxCertificate);
        assert_eq!(kinds[1].product_names, vec!["税贷（通用）"]);
    }
}
