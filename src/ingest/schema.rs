//! Column roles, known export presets, and the header dictionary that maps
//! English and Japanese column names to roles.

use serde::{Deserialize, Serialize};

/// What a column means to ltvlab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Who bought: a customer id, e-mail or member id.
    Customer,
    /// Which order (invoice, receipt) the row belongs to.
    Order,
    /// When: a date or date-time.
    Date,
    /// A separate time-of-day column (Rakuten's 注文時間).
    Time,
    /// A money amount: a line total, or an order total on the order's first row.
    Amount,
    /// A unit price, multiplied by the quantity when there is no amount column.
    UnitPrice,
    /// Units on the line.
    Quantity,
    /// Item id or SKU.
    Item,
    /// Item name.
    ItemName,
    /// An NPS answer, 0 to 10.
    Nps,
    /// Order or payment status (paid, refunded, cancelled ...).
    Status,
    /// Currency code of the amount.
    Currency,
    /// An amount refunded on the same row (Stripe), subtracted from the amount.
    Refunded,
    /// A categorical column chosen for grouping (channel, coupon, campaign).
    Group,
    /// Summary files: number of repeat purchase periods.
    Frequency,
    /// Summary files: time from first to last purchase.
    Recency,
    /// Summary files: time from first purchase to the end of observation.
    T,
    /// Summary files: mean value of repeat purchases.
    MonetaryValue,
    /// Whether the order is a 定期 (subscription) delivery: a flag (定期/通常,
    /// 1/0, true/false) or a subscription id (see [`subscription_flag`]).
    Subscription,
    /// The customer's e-mail address, carried into the action lists and the
    /// customer CSV. When the customer column itself is the e-mail column,
    /// the customer id is the address and this role stays unmapped.
    Email,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 20] = [
        Role::Customer,
        Role::Order,
        Role::Date,
        Role::Time,
        Role::Amount,
        Role::UnitPrice,
        Role::Quantity,
        Role::Item,
        Role::ItemName,
        Role::Nps,
        Role::Status,
        Role::Currency,
        Role::Refunded,
        Role::Group,
        Role::Frequency,
        Role::Recency,
        Role::T,
        Role::MonetaryValue,
        Role::Subscription,
        Role::Email,
    ];

    /// The role's snake_case name, as used in options and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Order => "order",
            Role::Date => "date",
            Role::Time => "time",
            Role::Amount => "amount",
            Role::UnitPrice => "unit_price",
            Role::Quantity => "quantity",
            Role::Item => "item",
            Role::ItemName => "item_name",
            Role::Nps => "nps",
            Role::Status => "status",
            Role::Currency => "currency",
            Role::Refunded => "refunded",
            Role::Group => "group",
            Role::Frequency => "frequency",
            Role::Recency => "recency",
            Role::T => "t",
            Role::MonetaryValue => "monetary_value",
            Role::Subscription => "subscription",
            Role::Email => "email",
        }
    }

    /// Parses a role name as written by [`Role::name`].
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// A recognised export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Shopify's orders export: one row per line item, order fields on the first row.
    Shopify,
    /// WooCommerce's order export (Analytics → Orders, or the classic order CSV).
    WooCommerce,
    /// Stripe payments export: one row per payment, no items.
    Stripe,
    /// Square item sales: `$8.00` amounts, refunds as their own rows; also
    /// with Japanese column names (取引ID, 純売上高, イベントの種類 支払い /
    /// 返金, `￥1,200`).
    Square,
    /// Etsy sold order items: `MM/DD/YY` dates.
    Etsy,
    /// Rakuten RMS orders: Shift_JIS, separate 注文日 and 注文時間.
    RakutenRms,
    /// BASE's order CSV: 注文ID, 注文日時, `メールアドレス(請求先)`, one row per
    /// item with 価格 and 数量; 合計金額 is the order's total (with shipping)
    /// on every row, so the line value is 価格 × 数量.
    Base,
    /// Yahoo!ショッピング's order download (ストアクリエイターPro): OrderId,
    /// OrderTime (a date-time), BillMailAddress, one row per item with
    /// Quantity and UnitPrice; OrderStatus 4 is a cancellation.
    YahooShopping,
    /// MakeShop's order template: 日付, 注文時間 (hhmmss), 注文番号, 処理状況
    /// (配送, 未処理, 注文キャンセル, 返送), 会員ID, 販売価格 `1,980円` × 数量.
    #[serde(rename = "makeshop")]
    MakeShop,
    /// EC-CUBE's 受注CSV (EC-CUBE 2 and 4 field names): 注文ID, 受注日 or
    /// 注文日, 対応状況, メールアドレス, one row per item with 価格 × 個数.
    #[serde(rename = "ec_cube")]
    EcCube,
    /// futureshop's order download: 受注コード, 注文日時, 販売単価 × 購入数量.
    #[serde(rename = "futureshop")]
    Futureshop,
    /// STORES (stores.jp) order CSV: 注文ID, 注文日時, メールアドレス, one row
    /// per item with アイテム名, 価格 × 数量; 合計金額 is the order's total
    /// (with shipping) on every row. The layout is uncertain (see
    /// `detect_preset`).
    Stores,
    /// Amazon Seller Central's order report (flat file, tab-separated):
    /// order-id, purchase-date, buyer-email, item-price (the line's total,
    /// not a unit price).
    AmazonSellerCentral,
    /// UCI Online Retail (I and II): `C` invoices are cancellations, ids like `13819.0`.
    UciOnlineRetail,
    /// A per-customer summary as lifetimes writes it.
    Summary,
    /// Long-format baskets (order id + item) without dates: recommendations only.
    LongBaskets,
    /// One basket per line, items separated by the delimiter, no header.
    BasketLines,
    /// Anything else, mapped by header names and content.
    Generic,
}

/// How the amount column relates to orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AmountLevel {
    /// Each row's amount is that line's value; an order's value is their sum.
    Line,
    /// The amount is the order's total, counted once per order.
    Order,
}

/// Normalizes a header for dictionary look-up: full-width ASCII folded to
/// ASCII, lower-cased, with spaces, line breaks, tabs, underscores, hyphens,
/// dots, slashes and brackets removed.
pub(crate) fn normalize_header(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        // Line breaks too: a spreadsheet cell written over two lines
        // (`注文<Alt+Enter>番号`) is saved with one inside its quotes.
        if matches!(
            c,
            ' ' | '_'
                | '-'
                | '.'
                | '/'
                | '('
                | ')'
                | '['
                | ']'
                | '（'
                | '）'
                | '　'
                | '"'
                | '\''
                | '\n'
                | '\r'
                | '\t'
        ) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Header names per role, normalized, in order of preference.
fn dictionary(role: Role) -> &'static [&'static str] {
    match role {
        Role::Customer => &[
            "customerid",
            "customer",
            "customerno",
            "customernumber",
            "custid",
            "clientid",
            "userid",
            "buyerid",
            "memberid",
            "accountid",
            "customeremail",
            "billingemail",
            "billingemailaddress",
            "email",
            "emailaddress",
            "buyer",
            "会員id",
            "顧客id",
            "顧客番号",
            "顧客コード",
            "会員番号",
            "購入者id",
            "購入者",
            "注文者id",
            "注文者メールアドレス",
            "ユーザーid",
            "メールアドレス",
            // BASE: the billing e-mail; Yahoo!ショッピング: BillMailAddress;
            // Shopify with Japanese column names: メール.
            "メールアドレス請求先",
            "billmailaddress",
            "メール",
            // Amazon's order report.
            "buyeremail",
        ],
        Role::Order => &[
            "orderid",
            "ordernumber",
            "orderno",
            "order#",
            "order",
            "invoice",
            "invoiceno",
            "invoicenumber",
            "invoiceid",
            "transactionid",
            "receiptid",
            "receiptnumber",
            "basketid",
            "basket",
            "注文番号",
            "受注番号",
            "注文id",
            "伝票番号",
            "注文コード",
            // futureshop.
            "受注コード",
            // カラーミーショップ calls an order a 売上 (its API's `sales`).
            "売上id",
            "売上番号",
            // The 受注 spelling of 注文id.
            "受注id",
            // Amazon's All Orders report.
            "amazonorderid",
        ],
        Role::Date => &[
            "orderdate",
            "orderdatetime",
            "createdat",
            "invoicedate",
            "purchasedate",
            "transactiondate",
            "saledate",
            "paymentdate",
            "createddateutc",
            "createdutc",
            "created",
            "date",
            "datetime",
            "timestamp",
            "paidat",
            "注文日時",
            "注文日",
            "購入日時",
            "購入日",
            "受注日時",
            "受注日",
            "日付",
            "売上日",
            // Shopify with Japanese column names (Created at).
            "作成日時",
        ],
        Role::Time => &[
            "time",
            "ordertime",
            "注文時間",
            "注文時刻",
            "購入時間",
            "受注時間",
        ],
        Role::Amount => &[
            "linetotal",
            "itemtotal",
            "lineamount",
            "netsales",
            "amount",
            "sales",
            "salesamount",
            "revenue",
            "subtotal",
            "ordertotal",
            "ordertotalamount",
            "total",
            "totalprice",
            "totalamount",
            "grosssales",
            "value",
            "合計金額",
            "小計",
            "金額",
            "売上",
            "売上金額",
            "購入金額",
            "支払金額",
            "請求金額",
            "合計",
        ],
        Role::UnitPrice => &[
            "unitprice",
            "price",
            "itemprice",
            "lineitemprice",
            "priceperunit",
            "itemcost",
            "単価",
            "商品単価",
            "販売価格",
            "価格",
            "明細アイテム価格",
            // futureshop.
            "販売単価",
        ],
        Role::Quantity => &[
            "quantity",
            "qty",
            "lineitemquantity",
            "itemquantity",
            "units",
            "itemssold",
            "個数",
            "数量",
            "購入数",
            "購入個数",
            "販売個数",
            "販売数量",
            "注文数",
            "注文数量",
            "明細アイテム数量",
            // futureshop; Amazon's order report.
            "購入数量",
            "quantitypurchased",
        ],
        Role::Item => &[
            "sku",
            "itemid",
            "productid",
            "stockcode",
            "itemcode",
            "productcode",
            "lineitemsku",
            "listingid",
            "variantid",
            "商品番号",
            "商品管理番号",
            "商品コード",
            "商品id",
            "品番",
            "janコード",
            "明細アイテムsku",
            // MakeShop's shop-assigned product code.
            "独自商品コード",
            // STORES.
            "アイテムid",
        ],
        Role::ItemName => &[
            "itemname",
            "productname",
            "lineitemname",
            "description",
            "product",
            "products",
            "item",
            "title",
            "商品名",
            "品名",
            "商品",
            "明細アイテム名",
            // STORES calls its products アイテム.
            "アイテム名",
        ],
        Role::Nps => &["nps", "npsscore", "推奨度", "npsスコア"],
        Role::Status => &[
            "status",
            "orderstatus",
            "financialstatus",
            "eventtype",
            "注文ステータス",
            "受注ステータス",
            "ステータス",
            "支払いステータス",
            "処理状況",
        ],
        Role::Currency => &["currency", "通貨"],
        Role::Refunded => &[
            "amountrefunded",
            "refundedamount",
            "refundedtotal",
            "返金額",
        ],
        Role::Group => &[],
        Role::Frequency => &["frequency"],
        Role::Recency => &["recency"],
        Role::T => &["t"],
        Role::MonetaryValue => &["monetaryvalue", "monetary"],
        // 定期 (subscription) orders. Only futureshop's 受注種別 (通常受注,
        // 定期受注, 頒布会受注, 予約受注: its order API's `type`) and
        // ecforce's 定期受注番号 are taken from the platforms' own pages.
        // Rakuten RMS writes 定期購入 and 頒布会 orders into downloads of their
        // own (定期購入データ), not a column; Shopify has no such column (apps
        // such as Recharge tag orders "Subscription Recurring Order" in Tags,
        // which can be mapped to this role by hand). The other names are the
        // ones Japanese carts and order tools use for the flag or the id;
        // they are guesses, not published layouts.
        Role::Subscription => &[
            "定期購入",
            "定期購入フラグ",
            "定期フラグ",
            "定期区分",
            "定期便",
            "定期",
            "受注種別",
            "注文種別",
            "定期購入id",
            "定期購入番号",
            "定期受注番号",
            "定期受注id",
            "定期番号",
            "subscription",
            "issubscription",
            "subscriptionflag",
            "subscriptionid",
            "subscriptioncontractid",
            "recurring",
        ],
        Role::Email => EMAIL_HEADERS,
    }
}

/// Header names of e-mail columns, normalized: the [`Role::Email`]
/// dictionary, and how a customer column is known to hold addresses.
const EMAIL_HEADERS: &[&str] = &[
    "email",
    "emailaddress",
    "customeremail",
    "billingemail",
    "billingemailaddress",
    "buyeremail",
    "billmailaddress",
    "mailaddress",
    "eメール",
    "eメールアドレス",
    "メールアドレス",
    "メール",
    "メールアドレス請求先",
    "メールアドレスメイン",
    "注文者メールアドレス",
    "購入者メールアドレス",
    "顧客メールアドレス",
    "pcメールアドレス",
];

/// Whether a normalized header names an e-mail column.
pub(crate) fn is_email_header(normalized: &str) -> bool {
    EMAIL_HEADERS.contains(&normalized)
}

/// Header names of phone-number columns, normalized. A file with no
/// customer id and no e-mail column (a shop's own ledger, a phone-order
/// list) tells its customers apart by this column, when it has one.
const PHONE_HEADERS: &[&str] = &[
    "電話番号",
    "電話",
    "携帯電話番号",
    "携帯電話",
    "携帯番号",
    "連絡先電話番号",
    "お客様電話番号",
    "顧客電話番号",
    "会員電話番号",
    "注文者電話番号",
    "購入者電話番号",
    "電話番号請求先",
    "tel",
    "telephone",
    "phone",
    "phonenumber",
    "customerphone",
    "billingphone",
];

/// Whether a normalized header names a phone-number column.
pub(crate) fn is_phone_header(normalized: &str) -> bool {
    PHONE_HEADERS.contains(&normalized)
}

/// Header names of the customer's name, normalized: the customer of a
/// file with no id, e-mail or phone column, the last resort. Not `name`
/// alone: Shopify's `Name` is the order number (#1001).
const NAME_HEADERS: &[&str] = &[
    "氏名",
    "お名前",
    "名前",
    "お客様名",
    "お客様氏名",
    "お客様のお名前",
    "顧客名",
    "顧客氏名",
    "会員名",
    "会員氏名",
    "注文者名",
    "注文者氏名",
    "購入者名",
    "購入者氏名",
    "購入者名前",
    "customername",
    "buyername",
    "billingname",
    "fullname",
    "clientname",
];

/// Whether a normalized header names the customer's name.
pub(crate) fn is_name_header(normalized: &str) -> bool {
    NAME_HEADERS.contains(&normalized)
}

/// Header names that mark an amount column as an order total, counted once per order.
const ORDER_LEVEL_AMOUNTS: &[&str] = &[
    "subtotal",
    "ordertotal",
    "ordertotalamount",
    "total",
    "totalamount",
    "合計金額",
    "請求金額",
    "合計",
];

/// Whether a value of the [`Role::Subscription`] column marks a 定期
/// (subscription) order.
///
/// - **No**: empty, `0`, `false`, `no`, `n`, `-`, `×`, `なし`, `無`,
///   `いいえ`, and the words for one-off orders (`通常`, `通常購入`,
///   `通常受注`, `通常注文`, `単品`, `都度`, `予約受注`, …, any value starting
///   with `通常`, `単品`, `都度`, `予約` or `非`).
/// - **Yes**: `1`, `true`, `yes`, `y`, `○`, `◯`, `有`, `あり`, `はい`, and any
///   value containing `定期`, `頒布`, `subscri` or `recurring` (`定期受注`,
///   `頒布会受注`, `Subscription Recurring Order`).
/// - **Other values**: yes when they contain a digit (a subscription id such as
///   a 定期受注番号 `S0000123`), else no.
pub fn subscription_flag(value: &str) -> bool {
    let v = value.trim().to_lowercase();
    const NO: &[&str] = &[
        "",
        "0",
        "false",
        "no",
        "n",
        "-",
        "×",
        "なし",
        "無",
        "いいえ",
        "off",
    ];
    const NO_PREFIXES: &[&str] = &["通常", "単品", "都度", "予約", "非", "not", "non"];
    const YES: &[&str] = &[
        "1", "true", "yes", "y", "○", "◯", "有", "あり", "はい", "on",
    ];
    const YES_WORDS: &[&str] = &["定期", "頒布", "subscri", "recurring"];
    if NO.contains(&v.as_str()) || NO_PREFIXES.iter().any(|p| v.starts_with(p)) {
        return false;
    }
    YES.contains(&v.as_str())
        || YES_WORDS.iter().any(|w| v.contains(w))
        || v.chars().any(|c| c.is_ascii_digit())
}

/// The result of header matching: one column index per role.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HeaderMatch {
    pub(crate) roles: Vec<(Role, usize)>,
}

impl HeaderMatch {
    pub(crate) fn get(&self, role: Role) -> Option<usize> {
        self.roles.iter().find(|(r, _)| *r == role).map(|&(_, i)| i)
    }

    pub(crate) fn set(&mut self, role: Role, index: usize) {
        self.roles.retain(|(r, i)| *r != role && *i != index);
        self.roles.push((role, index));
    }

    pub(crate) fn remove(&mut self, role: Role) {
        self.roles.retain(|(r, _)| *r != role);
    }

    /// Whether column `index` plays a role already.
    pub(crate) fn is_mapped(&self, index: usize) -> bool {
        self.roles.iter().any(|&(_, i)| i == index)
    }

    /// Drops the amount column when the rows have a unit price and a
    /// quantity: the line value is then their product, for exports whose
    /// amount column repeats the order's total (with shipping) on each row.
    fn prefer_line_price(&mut self) {
        if self.get(Role::UnitPrice).is_some() && self.get(Role::Quantity).is_some() {
            self.remove(Role::Amount);
        }
    }
}

/// Matches normalized headers to roles by the dictionary, preferring earlier
/// dictionary entries, and never giving one column two roles.
pub(crate) fn match_headers(normalized: &[String]) -> HeaderMatch {
    let mut m = HeaderMatch::default();
    let mut taken = vec![false; normalized.len()];
    // Roles with specific vocabularies go first so that generic words
    // ("item", "total") do not steal their columns.
    let order = [
        Role::Frequency,
        Role::Recency,
        Role::T,
        Role::MonetaryValue,
        Role::Refunded,
        Role::Item,
        Role::Order,
        Role::Customer,
        // After the customer: an e-mail column that is the customer key
        // stays the customer's.
        Role::Email,
        Role::Date,
        Role::Time,
        Role::UnitPrice,
        Role::Quantity,
        Role::ItemName,
        Role::Amount,
        Role::Nps,
        Role::Status,
        Role::Currency,
        Role::Subscription,
    ];
    for role in order {
        'names: for name in dictionary(role) {
            for (i, h) in normalized.iter().enumerate() {
                if !taken[i] && h == name {
                    taken[i] = true;
                    m.roles.push((role, i));
                    break 'names;
                }
            }
        }
    }
    m
}

/// Whether any header matches any role: the sign that a first row is a header.
pub(crate) fn looks_like_header(normalized: &[String]) -> bool {
    normalized.iter().any(|h| {
        Role::ALL
            .iter()
            .any(|&r| dictionary(r).contains(&h.as_str()))
    })
}

/// Recognises a preset from the normalized headers and adjusts the mapping to it.
pub(crate) fn detect_preset(normalized: &[String], m: &mut HeaderMatch) -> Preset {
    let has = |name: &str| normalized.iter().position(|h| h == name);
    let all = |names: &[&str]| names.iter().all(|n| has(n).is_some());
    if all(&["frequency", "recency", "t"]) {
        return Preset::Summary;
    }
    if all(&["name", "lineitemname", "createdat"]) {
        if let Some(i) = has("name") {
            m.set(Role::Order, i);
        }
        if let Some(i) = has("email") {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("subtotal") {
            m.set(Role::Amount, i);
        }
        if let Some(i) = has("financialstatus") {
            m.set(Role::Status, i);
        }
        return Preset::Shopify;
    }
    // Shopify's orders export with the column names in Japanese (注文番号 =
    // Name, メール = Email, 支払いステータス = Financial Status, 作成日時 =
    // Created at, 小計 = Subtotal, 明細アイテム名 = Lineitem name, 返金額 =
    // Refunded Amount). Shopify writes its export in English; these names
    // are the translation merchants and apps use, not a layout from
    // Shopify's help pages, so the set that detects it is kept small.
    if all(&["注文番号", "明細アイテム名", "作成日時"]) {
        if let Some(i) = has("注文番号") {
            m.set(Role::Order, i);
        }
        if let Some(i) = has("メール").or_else(|| has("メールアドレス")) {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("作成日時") {
            m.set(Role::Date, i);
        }
        if let Some(i) = has("小計") {
            m.set(Role::Amount, i);
        }
        if let Some(i) = has("支払いステータス") {
            m.set(Role::Status, i);
        }
        return Preset::Shopify;
    }
    if all(&["stockcode", "invoicedate"])
        && (has("invoice").is_some() || has("invoiceno").is_some())
        && has("customerid").is_some()
    {
        return Preset::UciOnlineRetail;
    }
    if all(&["amountrefunded", "id"])
        && (has("createddateutc").is_some() || has("createdutc").is_some())
    {
        if let Some(i) = has("id") {
            m.set(Role::Order, i);
        }
        if let Some(i) = has("customerid").or_else(|| has("customeremail")) {
            m.set(Role::Customer, i);
        }
        return Preset::Stripe;
    }
    if all(&["eventtype", "transactionid", "netsales"]) {
        if let Some(i) = has("netsales") {
            m.set(Role::Amount, i);
        }
        return Preset::Square;
    }
    // Square with Japanese column names (Square データ → 商品売上 or 取引履歴
    // → エクスポート): 日付, 時間, 取引ID, 純売上高 (after discounts, per item
    // row in 商品の詳細, per payment in 取引), イベントの種類 (支払い, 返金:
    // refunds are rows of their own, negative), 顧客ID and 顧客名 (empty for a
    // walk-in guest), `￥1,200`. Uncertain: Square's Japanese help pages name
    // the reports and their figures (総売上高, 純売上高, 受取合計額) but
    // publish no column list, so the names are those of the English export
    // (Date, Time, Transaction ID, Net Sales, Event Type, Customer ID) as the
    // Japanese dashboard words them; which yen sign the export writes (¥ or
    // ￥) is not documented (both are read).
    if has("取引id").is_some() && has("純売上高").is_some() {
        if let Some(i) = has("取引id") {
            m.set(Role::Order, i);
        }
        if let Some(i) = has("純売上高") {
            m.remove(Role::UnitPrice);
            m.set(Role::Amount, i);
        }
        if let Some(i) = has("時間").or_else(|| has("時刻")) {
            m.set(Role::Time, i);
        }
        if let Some(i) = has("イベントの種類").or_else(|| has("イベントタイプ")) {
            m.set(Role::Status, i);
        }
        // The customer id; the name only when the export has no id column
        // (a name is a weaker key: two customers may share it).
        if let Some(i) = has("顧客id").or_else(|| has("顧客名")) {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("商品").or_else(|| has("商品名")) {
            m.set(Role::ItemName, i);
        }
        return Preset::Square;
    }
    if all(&["saledate", "itemname", "buyer"]) && has("itemtotal").is_some() {
        if let Some(i) = has("itemtotal") {
            m.set(Role::Amount, i);
        }
        if let Some(i) = has("listingid").or_else(|| has("sku")) {
            m.set(Role::Item, i);
        }
        return Preset::Etsy;
    }
    // BASE (注文管理 → CSV ダウンロード): one row per item, the buyer's
    // billing e-mail as the customer. The column set is taken from merchants'
    // descriptions of the export, not from a layout BASE publishes.
    if all(&["注文id", "注文日時", "メールアドレス請求先"]) {
        if let Some(i) = has("メールアドレス請求先") {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("発送状況").or_else(|| has("対応状況")) {
            m.set(Role::Status, i);
        }
        m.prefer_line_price();
        return Preset::Base;
    }
    // STORES (stores.jp; 注文 → CSVダウンロード): one row per item, the
    // buyer's e-mail as the customer (STORES asks every buyer for one), アイテム名,
    // 価格 × 数量 per row (合計金額 repeats the order's total with 送料 on each
    // row), ステータス キャンセル and 返金済み dropped; 入金待ち (a bank or
    // konbini payment not yet made; STORES cancels it after the deadline) is
    // counted. Uncertain: STORES publishes no column list of its order CSV;
    // the set here is taken from merchants' descriptions of the file, and the
    // order column may be 注文ID or 注文番号, the status ステータス or 発送状況.
    if (has("注文id").is_some() || has("注文番号").is_some())
        && has("注文日時").is_some()
        && has("アイテム名").is_some()
    {
        if let Some(i) = has("注文id").or_else(|| has("注文番号")) {
            m.set(Role::Order, i);
        }
        if let Some(i) = has("メールアドレス")
            .or_else(|| has("購入者メールアドレス"))
            .or_else(|| has("注文者メールアドレス"))
        {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("ステータス")
            .or_else(|| has("注文ステータス"))
            .or_else(|| has("発送状況"))
        {
            m.set(Role::Status, i);
        }
        m.prefer_line_price();
        return Preset::Stores;
    }
    // Yahoo!ショッピング: OrderTime is the order's date and time in one
    // field, not a time of day. Field names as in the store's order download
    // and the order API (OrderId, OrderTime, OrderStatus, BillMailAddress,
    // ItemId, Title, Quantity, UnitPrice); the order of the columns and the
    // set present depend on the download template the store made.
    if all(&["orderid", "ordertime", "billmailaddress"]) {
        if let Some(i) = has("ordertime") {
            m.set(Role::Date, i);
        }
        if let Some(i) = has("billmailaddress") {
            m.set(Role::Customer, i);
        }
        m.prefer_line_price();
        return Preset::YahooShopping;
    }
    // MakeShop's order output template (manual: 注文出力用テンプレートの設定):
    // 日付 `2022/8/10`, 注文時間 `103309`, 注文番号 `P…`, 処理状況.
    if all(&["注文番号", "処理状況", "日付"]) {
        if let Some(i) = has("処理状況") {
            m.set(Role::Status, i);
        }
        m.prefer_line_price();
        return Preset::MakeShop;
    }
    // EC-CUBE's 受注CSV (CSV出力項目設定): 注文ID, 会員ID (0 for a guest in
    // EC-CUBE 2, so the e-mail is the customer), 小計 / 合計 / 支払合計 per
    // order on each row, 対応状況 (EC-CUBE 2 writes 対応状況(ID) and
    // 対応状況(名称)), 受注日 (EC-CUBE 2) or 注文日 (EC-CUBE 4), 価格, 個数.
    // 価格 is the unit price before tax in EC-CUBE 2; the page does not say
    // whether EC-CUBE 4 writes it with tax.
    if has("注文id").is_some()
        && (has("受注日").is_some() || has("注文日").is_some())
        && (has("対応状況名称").is_some() || has("対応状況").is_some())
        && has("個数").is_some()
    {
        if let Some(i) = has("メールアドレス") {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("対応状況名称").or_else(|| has("対応状況")) {
            m.set(Role::Status, i);
        }
        m.prefer_line_price();
        return Preset::EcCube;
    }
    // futureshop's order download (受注データ取得項目設定; the field list an
    // order-management vendor publishes for it): 受注コード, 注文日時,
    // 請求合計金額 per order, 販売単価, 購入数量. The list names no member id
    // or status column; the customer is the e-mail, and the column's exact
    // name (メールアドレス, or メールアドレス(メイン) beside (サブ) and (モバイル))
    // is not certain.
    if all(&["受注コード", "注文日時", "販売単価"]) {
        if let Some(i) = has("メールアドレス").or_else(|| has("メールアドレスメイン"))
        {
            m.set(Role::Customer, i);
        }
        m.prefer_line_price();
        return Preset::Futureshop;
    }
    // Amazon Seller Central's order report (help page 201648780): order-id,
    // order-item-id, purchase-date in GMT (`2024-01-05T04:45:12+00:00`),
    // buyer-email, sku, product-name, quantity-purchased, item-price (the
    // line's total: "aggregates of the quantity, not unit prices"). The
    // report lists orders to ship, so it has no cancelled ones; an
    // order-status column (the All Orders report's) is used when present.
    if (has("orderid").is_some() || has("amazonorderid").is_some())
        && has("purchasedate").is_some()
        && (has("buyeremail").is_some() || has("orderitemid").is_some())
    {
        if let Some(i) = has("orderid").or_else(|| has("amazonorderid")) {
            m.set(Role::Order, i);
        }
        if let Some(i) = has("buyeremail") {
            m.set(Role::Customer, i);
        }
        if let Some(i) = has("itemprice") {
            m.remove(Role::UnitPrice);
            m.set(Role::Amount, i);
        }
        return Preset::AmazonSellerCentral;
    }
    if (has("注文番号").is_some() || has("受注番号").is_some())
        && (all(&["注文日", "注文時間"]) || has("注文日時").is_some())
    {
        return Preset::RakutenRms;
    }
    if (has("order#").is_some() && has("netsales").is_some() && has("customertype").is_some())
        || (has("billingemail").is_some() && has("ordertotal").is_some())
        || (has("orderid").is_some() && has("orderstatus").is_some() && has("ordertotal").is_some())
    {
        return Preset::WooCommerce;
    }
    if m.get(Role::Order).is_some()
        && m.get(Role::Date).is_none()
        && m.get(Role::Customer).is_none()
        && (m.get(Role::Item).is_some() || m.get(Role::ItemName).is_some())
    {
        return Preset::LongBaskets;
    }
    Preset::Generic
}

/// Whether the amount column, by its header name, holds order totals.
pub(crate) fn amount_level(preset: Preset, normalized_amount_header: &str) -> AmountLevel {
    match preset {
        Preset::Shopify | Preset::WooCommerce | Preset::Stripe | Preset::RakutenRms => {
            if ORDER_LEVEL_AMOUNTS.contains(&normalized_amount_header)
                || normalized_amount_header == "netsales"
                || normalized_amount_header == "amount"
                || (preset == Preset::Shopify && normalized_amount_header == "小計")
            {
                AmountLevel::Order
            } else {
                AmountLevel::Line
            }
        }
        _ if ORDER_LEVEL_AMOUNTS.contains(&normalized_amount_header) => AmountLevel::Order,
        _ => AmountLevel::Line,
    }
}

/// What a status value means for the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusMeaning {
    /// A normal, completed sale.
    Sale,
    /// The row reverses an earlier sale (a refund or return event).
    Reversal,
    /// The order did not happen: skip it.
    Excluded,
}

/// Classifies a status value (English and Japanese).
pub(crate) fn status_meaning(preset: Preset, status: &str) -> StatusMeaning {
    let s = status.trim().to_lowercase();
    if s.is_empty() {
        return StatusMeaning::Sale;
    }
    // Square writes refunds as their own "Refund" event rows.
    if preset == Preset::Square && s == "refund" {
        return StatusMeaning::Reversal;
    }
    let excluded_here: &[&str] = match preset {
        // OrderStatus as a number: 1 予約中, 2 処理中, 3 保留, 4 キャンセル,
        // 5 完了 (the order API's codes).
        Preset::YahooShopping => &["4"],
        // 処理状況: 注文キャンセル, and 返送 (sent back undelivered).
        Preset::MakeShop => &["返送"],
        // 支払いステータス in Japanese: refunded, voided, pending, expired.
        Preset::Shopify => &["返金済み", "無効", "保留中", "期限切れ"],
        // ステータス: refunded in full (キャンセル is dropped everywhere).
        Preset::Stores => &["返金済み"],
        _ => &[],
    };
    if excluded_here.contains(&s.as_str()) {
        return StatusMeaning::Excluded;
    }
    const EXCLUDED: &[&str] = &[
        "failed",
        "fail",
        "declined",
        "voided",
        "void",
        "cancelled",
        "canceled",
        "refunded",
        "pending",
        "expired",
        "キャンセル",
        "キャンセル確定",
        "キャンセル済み",
        "注文キャンセル",
        "返品",
        "返金済",
        "決済失敗",
    ];
    if EXCLUDED.iter().any(|e| s == *e) {
        return StatusMeaning::Excluded;
    }
    const REVERSAL: &[&str] = &["refund", "return", "returned", "chargeback", "返金"];
    if REVERSAL.iter().any(|e| s == *e) {
        return StatusMeaning::Reversal;
    }
    StatusMeaning::Sale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(headers: &[&str]) -> Vec<String> {
        headers.iter().map(|h| normalize_header(h)).collect()
    }

    #[test]
    fn normalizes_headers() {
        let cases = [
            ("Customer ID", "customerid"),
            ("customer_id", "customerid"),
            ("Lineitem quantity", "lineitemquantity"),
            ("\u{feff}Order #", "order#"),
            ("ＣｕｓｔｏｍｅｒＩＤ", "customerid"),
            ("注文日時", "注文日時"),
            ("Created date (UTC)", "createddateutc"),
            ("注文\n番号", "注文番号"),
            ("Order\r\nDate", "orderdate"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_header(raw), want, "{raw}");
        }
    }

    #[test]
    fn maps_english_and_japanese_headers() {
        type Case<'a> = (&'a [&'a str], &'a [(Role, usize)]);
        let cases: &[Case<'_>] = &[
            (
                &["order_id", "customer_id", "order_date", "amount"],
                &[
                    (Role::Order, 0),
                    (Role::Customer, 1),
                    (Role::Date, 2),
                    (Role::Amount, 3),
                ],
            ),
            (
                &["注文番号", "会員ID", "注文日", "商品名", "単価", "個数"],
                &[
                    (Role::Order, 0),
                    (Role::Customer, 1),
                    (Role::Date, 2),
                    (Role::ItemName, 3),
                    (Role::UnitPrice, 4),
                    (Role::Quantity, 5),
                ],
            ),
        ];
        for (headers, want) in cases {
            let m = match_headers(&norm(headers));
            for &(role, idx) in *want {
                assert_eq!(m.get(role), Some(idx), "{headers:?} {role:?}");
            }
        }
    }

    /// An e-mail column beside the customer's is the e-mail role; an e-mail
    /// column that is the customer key stays the customer's alone (its
    /// header then marks the ids as addresses).
    #[test]
    fn maps_email_columns() {
        type Case<'a> = (&'a [&'a str], Option<usize>, Option<usize>);
        let cases: &[Case<'_>] = &[
            (&["会員ID", "メールアドレス", "注文日"], Some(0), Some(1)),
            (&["customer_id", "Email", "order_date"], Some(0), Some(1)),
            (&["注文者ID", "注文者メールアドレス"], Some(0), Some(1)),
            (&["Customer ID", "Customer Email"], Some(0), Some(1)),
            (&["メールアドレス(請求先)", "注文日時"], Some(0), None),
            (&["BillMailAddress", "OrderTime"], Some(0), None),
            (&["Email", "Created at"], Some(0), None),
            (&["customer_id", "order_date"], Some(0), None),
        ];
        for (headers, customer, email) in cases {
            let m = match_headers(&norm(headers));
            assert_eq!(
                (m.get(Role::Customer), m.get(Role::Email)),
                (*customer, *email),
                "{headers:?}"
            );
        }
        for (header, is) in [
            ("メールアドレス(請求先)", true),
            ("BillMailAddress", true),
            ("E-mail", true),
            ("会員ID", false),
            ("customer_id", false),
        ] {
            assert_eq!(is_email_header(&normalize_header(header)), is, "{header}");
        }
        // EC-CUBE: the preset makes メールアドレス the customer (会員ID is 0
        // for every guest), so no separate e-mail column is left.
        let n = norm(&[
            "注文ID",
            "会員ID",
            "メールアドレス",
            "受注日",
            "対応状況",
            "個数",
        ]);
        let mut m = match_headers(&n);
        assert_eq!(m.get(Role::Email), Some(2));
        assert_eq!(detect_preset(&n, &mut m), Preset::EcCube);
        assert_eq!((m.get(Role::Customer), m.get(Role::Email)), (Some(2), None));
    }

    #[test]
    fn detects_presets() {
        let cases: &[(&[&str], Preset)] = &[
            (
                &[
                    "Name",
                    "Email",
                    "Subtotal",
                    "Total",
                    "Created at",
                    "Lineitem name",
                ],
                Preset::Shopify,
            ),
            (
                &[
                    "Invoice",
                    "StockCode",
                    "Description",
                    "Quantity",
                    "InvoiceDate",
                    "Price",
                    "Customer ID",
                    "Country",
                ],
                Preset::UciOnlineRetail,
            ),
            (
                &["customer_id", "frequency", "recency", "T", "monetary_value"],
                Preset::Summary,
            ),
            (&["order_id", "item"], Preset::LongBaskets),
            (&["a", "b"], Preset::Generic),
        ];
        for (headers, want) in cases {
            let n = norm(headers);
            let mut m = match_headers(&n);
            assert_eq!(detect_preset(&n, &mut m), *want, "{headers:?}");
        }
    }

    #[test]
    fn japanese_presets_decide_their_columns() {
        // (headers, preset, the roles' columns after detection; None: the
        // role is left unmapped, so that price × quantity is the line value).
        type Case<'a> = (&'a [&'a str], Preset, &'a [(Role, Option<usize>)]);
        let cases: &[Case<'_>] = &[
            (
                &[
                    "注文ID",
                    "注文日時",
                    "メールアドレス(請求先)",
                    "商品名",
                    "価格",
                    "数量",
                    "合計金額",
                    "発送状況",
                ],
                Preset::Base,
                &[
                    (Role::Customer, Some(2)),
                    (Role::Amount, None),
                    (Role::UnitPrice, Some(4)),
                    (Role::Status, Some(7)),
                ],
            ),
            (
                &[
                    "OrderId",
                    "OrderTime",
                    "OrderStatus",
                    "BillMailAddress",
                    "ItemId",
                    "Quantity",
                    "UnitPrice",
                    "TotalPrice",
                ],
                Preset::YahooShopping,
                &[
                    (Role::Date, Some(1)),
                    (Role::Time, None),
                    (Role::Customer, Some(3)),
                    (Role::Amount, None),
                    (Role::Status, Some(2)),
                ],
            ),
            (
                &[
                    "日付",
                    "注文時間",
                    "注文番号",
                    "処理状況",
                    "会員ID",
                    "販売価格",
                    "数量",
                ],
                Preset::MakeShop,
                &[
                    (Role::Date, Some(0)),
                    (Role::Time, Some(1)),
                    (Role::Status, Some(3)),
                    (Role::Customer, Some(4)),
                    (Role::UnitPrice, Some(5)),
                ],
            ),
            (
                &[
                    "注文番号",
                    "メール",
                    "支払いステータス",
                    "小計",
                    "作成日時",
                    "明細アイテム名",
                    "明細アイテムSKU",
                    "返金額",
                ],
                Preset::Shopify,
                &[
                    (Role::Customer, Some(1)),
                    (Role::Status, Some(2)),
                    (Role::Amount, Some(3)),
                    (Role::Date, Some(4)),
                    (Role::ItemName, Some(5)),
                    (Role::Item, Some(6)),
                    (Role::Refunded, Some(7)),
                ],
            ),
            (
                &[
                    "注文ID",
                    "会員ID",
                    "メールアドレス",
                    "合計",
                    "対応状況(ID)",
                    "対応状況(名称)",
                    "受注日",
                    "価格",
                    "個数",
                ],
                Preset::EcCube,
                &[
                    (Role::Customer, Some(2)),
                    (Role::Amount, None),
                    (Role::Status, Some(5)),
                    (Role::Date, Some(6)),
                ],
            ),
            (
                &[
                    "受注コード",
                    "注文日時",
                    "請求合計金額",
                    "メールアドレス",
                    "販売単価",
                    "購入数量",
                ],
                Preset::Futureshop,
                &[
                    (Role::Order, Some(0)),
                    (Role::Customer, Some(3)),
                    (Role::UnitPrice, Some(4)),
                    (Role::Quantity, Some(5)),
                ],
            ),
            (
                &[
                    "order-id",
                    "order-item-id",
                    "purchase-date",
                    "buyer-email",
                    "sku",
                    "quantity-purchased",
                    "item-price",
                ],
                Preset::AmazonSellerCentral,
                &[
                    (Role::Order, Some(0)),
                    (Role::Date, Some(2)),
                    (Role::Customer, Some(3)),
                    (Role::Amount, Some(6)),
                    (Role::UnitPrice, None),
                ],
            ),
            (
                &[
                    "注文ID",
                    "注文日時",
                    "ステータス",
                    "メールアドレス",
                    "アイテムID",
                    "アイテム名",
                    "価格",
                    "数量",
                    "小計",
                    "合計金額",
                ],
                Preset::Stores,
                &[
                    (Role::Order, Some(0)),
                    (Role::Status, Some(2)),
                    (Role::Customer, Some(3)),
                    (Role::Item, Some(4)),
                    (Role::ItemName, Some(5)),
                    (Role::UnitPrice, Some(6)),
                    (Role::Quantity, Some(7)),
                    (Role::Amount, None),
                ],
            ),
            // Square's 商品の詳細 (item rows) with Japanese names.
            (
                &[
                    "日付",
                    "時間",
                    "商品",
                    "数量",
                    "SKU",
                    "総売上高",
                    "純売上高",
                    "取引ID",
                    "イベントの種類",
                    "顧客ID",
                    "顧客名",
                ],
                Preset::Square,
                &[
                    (Role::Date, Some(0)),
                    (Role::Time, Some(1)),
                    (Role::ItemName, Some(2)),
                    (Role::Amount, Some(6)),
                    (Role::Order, Some(7)),
                    (Role::Status, Some(8)),
                    (Role::Customer, Some(9)),
                ],
            ),
            // Square's 取引 (one row per payment): no item columns; a file
            // without 顧客ID keys customers by name.
            (
                &[
                    "日付",
                    "時間",
                    "総売上高",
                    "ディスカウント",
                    "純売上高",
                    "受取合計額",
                    "取引ID",
                    "イベントの種類",
                    "顧客名",
                ],
                Preset::Square,
                &[
                    (Role::Date, Some(0)),
                    (Role::Amount, Some(4)),
                    (Role::Order, Some(6)),
                    (Role::Status, Some(7)),
                    (Role::Customer, Some(8)),
                    (Role::ItemName, None),
                ],
            ),
        ];
        for (headers, preset, roles) in cases {
            let n = norm(headers);
            let mut m = match_headers(&n);
            assert_eq!(detect_preset(&n, &mut m), *preset, "{headers:?}");
            for &(role, want) in *roles {
                assert_eq!(m.get(role), want, "{preset:?} {role:?}");
            }
        }
    }

    #[test]
    fn classifies_statuses() {
        assert_eq!(status_meaning(Preset::Generic, "paid"), StatusMeaning::Sale);
        assert_eq!(
            status_meaning(Preset::Stripe, "Failed"),
            StatusMeaning::Excluded
        );
        assert_eq!(
            status_meaning(Preset::Square, "Refund"),
            StatusMeaning::Reversal
        );
        assert_eq!(
            status_meaning(Preset::Generic, "キャンセル"),
            StatusMeaning::Excluded
        );
        // Per platform: (preset, status, meaning).
        for (preset, status, want) in [
            (Preset::MakeShop, "注文キャンセル", StatusMeaning::Excluded),
            (Preset::MakeShop, "返送", StatusMeaning::Excluded),
            (Preset::MakeShop, "配送", StatusMeaning::Sale),
            (Preset::MakeShop, "未処理", StatusMeaning::Sale),
            (Preset::YahooShopping, "4", StatusMeaning::Excluded),
            (Preset::YahooShopping, "5", StatusMeaning::Sale),
            // A bare number means nothing outside Yahoo!ショッピング.
            (Preset::Generic, "4", StatusMeaning::Sale),
            (Preset::Shopify, "返金済み", StatusMeaning::Excluded),
            (Preset::Shopify, "無効", StatusMeaning::Excluded),
            (Preset::Shopify, "一部返金済み", StatusMeaning::Sale),
            (Preset::Base, "キャンセル", StatusMeaning::Excluded),
            (Preset::Base, "未発送", StatusMeaning::Sale),
            (Preset::EcCube, "返品", StatusMeaning::Excluded),
            (Preset::EcCube, "新規受付", StatusMeaning::Sale),
            (Preset::Stores, "キャンセル", StatusMeaning::Excluded),
            (Preset::Stores, "返金済み", StatusMeaning::Excluded),
            (Preset::Stores, "入金待ち", StatusMeaning::Sale),
            (Preset::Stores, "発送済み", StatusMeaning::Sale),
            (Preset::Square, "返金", StatusMeaning::Reversal),
            (Preset::Square, "支払い", StatusMeaning::Sale),
        ] {
            assert_eq!(status_meaning(preset, status), want, "{preset:?} {status}");
        }
    }
}
