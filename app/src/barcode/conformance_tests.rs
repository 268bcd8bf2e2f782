//! Cases from GS1's reference implementation test suite (the GS1 Barcode Syntax Engine's
//! element string, linter and AI association tests), run against this engine. `^` stands
//! for FNC1. Cases that need data this engine does not embed (GS1 Company Prefix lookup,
//! ISO 3166 / ISO 4217 code lists, IBAN country list, North American coupon codes) are
//! left out; see the module docs of `value_rules`.

use super::element_string::{ElementString, PairingCheck};
use super::{ClassifyConfig, Scan, SymbologyId, interpret};

fn raw(data: &str) -> Result<ElementString, String> {
    ElementString::parse(data, Some('^')).map_err(|e| e.to_string())
}

fn bracketed_strict(data: &str) -> Result<(), String> {
    let es = ElementString::parse_bracketed(data).map_err(|e| e.to_string())?;
    es.check_pairing(PairingCheck::Strict)
        .map_err(|e| e.to_string())
}

#[test]
fn element_strings_from_the_reference_suite() {
    let cases: &[(&str, bool)] = &[
        ("", false),
        ("^", false),
        ("^891234", false),
        ("^991234", true),
        ("^99~ABC", false),
        ("^99ABC~", false),
        ("^0112345678901231", true),
        ("^01A2345678901231", false),
        ("^011234567890123A", false),
        ("^0112345678901234", false),
        ("^011234567890123", false),
        ("^01123456789012312", false),
        ("^0112345678901231^", true),
        ("^011234567890123^", false),
        ("^01123456789012345^", false),
        ("^01123456789012345^991234", false),
        ("^0112345678901231991234", true),
        ("^0112345678901231^991234", true),
        ("^2421", true),
        ("^242123456", true),
        ("^242123456^10ABC123", true),
        ("^242123456^", true),
        ("^2421234567", false),
        ("^81111234", true),
        ("^8111123", false),
        ("^811112345", false),
        ("^81111234^10ABC123", true),
        ("^800112341234512398", true),
        ("^80011234123451239", false),
        ("^8001123412345123981", false),
        ("^800112341234512398^0112345678901231", true),
        ("^80011234123451239^0112345678901231", false),
        ("^7007211225211231", true),
        ("^7007211225", true),
        ("^70072112252", false),
        ("^700721122521", false),
        ("^7007211225211", false),
        ("^70072112252112", false),
        ("^700721122521123", false),
        ("^70072112252212311", false),
        ("^800302112345678900ABC", true),
        ("^800302112345678901ABC", false),
        ("^800302112345678900", true),
        ("^800302112345678900^10ABC123", true),
        ("^800302112345678900ABCDEFGHIJKLMNOP", true),
        ("^800302112345678900ABCDEFGHIJKLMNOPQ", false),
        ("^7230121234567890123456789012345678", true),
        ("^72301212345678901234567890123456789", false),
        ("^7230123", true),
        ("^723012", false),
    ];
    for (data, ok) in cases {
        assert_eq!(raw(data).is_ok(), *ok, "{data:?}: {:?}", raw(data));
    }
}

#[test]
fn content_rules_from_the_reference_suite() {
    let cases: &[(&str, bool)] = &[
        ("(00)123456789012345675", true),
        ("(00)A23456789012345675", false),
        ("(10) ", false),
        ("(8010)123456_", false),
        ("(8013)123456ABOO", false),
        ("(8030)ABC:123", false),
        ("(00)123456789012345670", false),
        ("(8013)123456ABXX", false),
        ("(8013)A", false),
        ("(7040)1AB=", false),
        ("(8001)12340000012311", false),
        ("(8003)112345678901281234567890123456", false),
        ("(8011)023456789012", false),
        ("(4321)2", false),
        ("(8001)12341234512321", false),
        ("(8007)AB1234", true), // too short for an IBAN
        ("(8007)FR12_45678901234", false),
        ("(8007)FR12345678901234", false),
        ("(8008)20122515300", false),
        ("(4326)201300", false),
        ("(4326)201200", false),
        ("(4324)2012252400", false),
        ("(4324)2012252360", false),
        ("(8008)201225230060", false),
        ("(8026)123456789012310099", false),
        ("(8026)123456789012310100", false),
        ("(8026)123456789012310302", false),
        ("(4300)ABC%0g", false),
        ("(4309)18000000010000000000", false),
        ("(4309)00000000003600000001", false),
        ("(4330)000000X", false),
        ("(01)95012345678903(3103)000123", true),
        ("(01)95012345678902(3103)000123", false),
        ("(01)95012345678903(11)131313", false),
    ];
    for (data, ok) in cases {
        let result = ElementString::parse_bracketed(data);
        // IBAN "AB1234" is refused for its checksum here, as GS1 refuses it for length.
        let expected = *ok && *data != "(8007)AB1234";
        assert_eq!(result.is_ok(), expected, "{data}: {result:?}");
    }
}

#[test]
fn associations_from_the_reference_suite() {
    let cases: &[(&str, bool)] = &[
        ("(400)ABC", true),
        ("(400)ABC(400)ABC", true),
        ("(400)ABC(99)DEF(400)ABC", true),
        ("(01)12345678901231(02)12345678901231", false),
        ("(01)12345678901231(255)5412345000150", false),
        ("(01)12345678901231(37)123", false),
        ("(21)ABC123(235)XYZ", false),
        ("(3940)1234(8111)9999", false),
        ("(3940)1234(3941)9999", false),
        ("(3955)123456(3929)123", false),
        ("(02)12345678901231", false),
        ("(02)12345678901231(37)123", false),
        ("(02)12345678901231(37)123(00)123456789012345675", true),
        (
            "(91)XXX(02)12345678901231(92)YYY(37)123(93)ZZZ(00)123456789012345675",
            true,
        ),
        ("(21)ABC123", false),
        ("(21)ABC123(01)12345678901231", true),
        ("(21)ABC123(8006)123456789012310510", true),
        ("(01)12345678901231(250)ABC123", false),
        ("(01)12345678901231(21)XYZ999(250)ABC123", true),
        ("(01)12345678901231(3925)12599", false),
        ("(01)12345678901231(3925)12599(30)123", true),
        ("(01)12345678901231(3925)12599(3100)654321", true),
        ("(01)12345678901231(3925)12599(3165)654321", true),
        ("(01)12345678901231(3925)12599(3295)654321", true),
        ("(01)12345678901231(3925)12599(3575)654321", true),
        ("(01)12345678901231(3925)12599(3695)654321", true),
    ];
    for (data, ok) in cases {
        let result = bracketed_strict(data);
        assert_eq!(result.is_ok(), *ok, "{data}: {result:?}");
    }
    let repeated = ElementString::parse_bracketed("(400)ABC(400)AB").unwrap_err();
    assert_eq!(
        repeated.to_string(),
        "AI 400 appears twice with different values"
    );
}

#[test]
fn scan_data_from_the_reference_suite() {
    let scan = |data: &str| {
        let (id, rest) = SymbologyId::strip_prefix(data);
        let scan = Scan {
            symbology: id,
            ..Scan::manual(rest)
        };
        interpret(&scan, &ClassifyConfig::default())
            .map(|found| ElementString::from_elements(found.elements().to_vec()))
            .map(|es| es.map(|es| es.to_bracketed()).unwrap_or_default())
            .map_err(|e| e.to_string())
    };
    let ok =
        |data: &str, bracketed: &str| assert_eq!(scan(data), Ok(bracketed.to_owned()), "{data:?}");
    let fails = |data: &str| assert!(scan(data).is_err(), "{data:?}: {:?}", scan(data));

    fails("]e0");
    fails("]C1");
    fails("]d2");
    fails("]Q3");
    ok(
        "]Q3011231231231233310ABC123\x1D99TESTING",
        "(01)12312312312333(10)ABC123(99)TESTING",
    );
    ok(
        "]Q1https://example.com/01/12312312312333?99=TEST",
        "(01)12312312312333(99)TEST",
    );
    ok(
        "]Q1HTTPS://example.com/01/12312312312333?99=TEST",
        "(01)12312312312333(99)TEST",
    );
    // A mixed-case scheme is not a Digital Link: plain data.
    ok("]Q1HtTps://example.com/01/12312312312333?99=TEST", "");
    ok(
        "]d2011231231231233310ABC123\x1D99TESTING",
        "(01)12312312312333(10)ABC123(99)TESTING",
    );
    ok(
        "]e0011231231231233310ABC123\x1D1199122598TESTING\x1D97XYZ",
        "(01)12312312312333(10)ABC123(11)991225(98)TESTING(97)XYZ",
    );
    ok(
        "]C1011231231231233310ABC123\x1D99TESTING",
        "(01)12312312312333(10)ABC123(99)TESTING",
    );
    fails("]E0123456789012345");
    fails("]E01234ABC890123");
    fails("]E02112345678901");
    ok("]E02112345678900", "");
    ok(
        "]E02112345678900|]e099COMPOSITE\x1D98XYZ",
        "(01)02112345678900(99)COMPOSITE(98)XYZ",
    );
    fails("]E41234567");
    fails("]E4123456789");
    fails("]E412ABC678");
    fails("]E402345674");
    ok("]E402345673", "");
    ok(
        "]E402345673|]e099COMPOSITE\x1D98XYZ",
        "(01)00000002345673(99)COMPOSITE(98)XYZ",
    );
}

#[test]
fn digital_link_uris_from_the_reference_suite() {
    use super::digital_link;
    let parse = |uri: &str| {
        digital_link::parse(uri)
            .map(|es| es.to_element_string().replace('\u{1d}', "^"))
            .map_err(|e| e.to_string())
    };
    let ok = |uri: &str, expected: &str| {
        assert_eq!(parse(uri), Ok(expected.to_owned()), "{uri}");
    };
    let fails = |uri: &str| assert!(parse(uri).is_err(), "{uri}: {:?}", parse(uri));

    for uri in [
        "",
        "ftp://",
        "http://",
        "http:///",
        "http://a",
        "http://a/",
        "http://a/b",
        "http://a/b/",
        "HtTp://a/b/00/006141411234567890",
        "https://00/006141411234567890",
        "https://[fe80::1%25lo]/01/12312312312333",
        "https://$a/006141411234567890",
        "https://a$/006141411234567890",
        "https://a/gtin/12312312312333",
        "https://a/253/1231231231232TEST56789012345678",
        "https://a/stem/00/006141411234567890/",
        "https://a/01/12312312312333?99=",
        "https://a/01/12312312312333?99=ABC&999=faux",
        "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ+987",
        "https://example.com/01/09520123456788?10=ABC123",
        "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788",
        "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
        "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789",
        "https://example.com/01/09520123456788/89/ABC123?99=XYZ",
        "https://example.com/01/09520123456788?99=XYZ&89=ABC123",
    ] {
        fails(uri);
    }
    ok("http://a/00/006141411234567890", "00006141411234567890");
    ok("HTTP://a/00/006141411234567890", "00006141411234567890");
    ok("HTTPS://a/00/006141411234567890", "00006141411234567890");
    ok(
        "https://xn--fsq.xn--0zwm56d/01/12312312312333",
        "0112312312312333",
    );
    ok("https://a:65535/01/12312312312333", "0112312312312333");
    ok(
        "https://[2001:db8::1]/01/12312312312333",
        "0112312312312333",
    );
    ok(
        "https://a/more/stem/00/006141411234567890",
        "00006141411234567890",
    );
    ok(
        "https://a/00/faux/00/006141411234567890",
        "00006141411234567890",
    );
    ok(
        "https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ",
        "011231231231233322TEST^10ABC^21XYZ",
    );
    ok(
        "https://a/01/12312312312333/235/TEST",
        "0112312312312333235TEST",
    );
    ok(
        "https://a/253/1231231231232TEST5678901234567",
        "2531231231231232TEST5678901234567",
    );
    ok(
        "https://a/8018/123456789012345675/8019/123",
        "8018123456789012345675^8019123",
    );
    ok(
        "https://a/stem/00/006141411234567890?",
        "00006141411234567890",
    );
    ok("https://a/stem/401/12345678?99=ABC", "40112345678^99ABC");
    ok(
        "https://a/01/12312312312333?&&&99=ABC&&&&&&98=XYZ&&&",
        "011231231231233399ABC^98XYZ",
    );
    ok(
        "https://a/01/12312312312333?singleton1&unknown1=555&99=ABC&singleton2&98=XYZ",
        "011231231231233399ABC^98XYZ",
    );
    ok(
        "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987",
        "011231231231233322ABC-123^99ABC^98XYZ/987",
    );
    ok(
        "https://a/01/12312312312333/22/ABC+123?99=ABC&98=XYZ%2f987",
        "011231231231233322ABC+123^99ABC^98XYZ/987",
    );
    ok(
        "https://a/01/12312312312333/22/test/10/abc/21/xyz#fragment",
        "011231231231233322test^10abc^21xyz",
    );
    ok(
        "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
        "010952012345678810ABC1^2112345^17180426",
    );
    ok(
        "https://example.com/01/09520123456788?3103=000195&3922=0299&17=201225",
        "0109520123456788310300019539220299^17201225",
    );
    ok(
        "https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123",
        "0095201234567891234502095201234567883725^10ABC123",
    );
    ok(
        "https://id.gs1.org/414/9520123456788/254/32a%2Fb",
        "414952012345678825432a/b",
    );
    ok(
        "https://example.com/8004/9520614141234567?01=9520123456788",
        "80049520614141234567^0109520123456788",
    );
    ok(
        "https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123",
        "0109520123456788235XYZ^10ABC123",
    );
    // Zero-suppressed GTINs in the path are widened (the reference engine does this only
    // when asked to; handhelds meet such URIs on packaging printed before DL 1.2).
    ok("https://a/01/2112345678900", "0102112345678900");
}

#[test]
fn digital_link_generation_from_the_reference_suite() {
    use super::digital_link;
    let uri = |data: &str| {
        let es = ElementString::parse_bracketed(data).unwrap();
        digital_link::to_uri(&es, "https://example.com").map_err(|e| e.to_string())
    };
    let ok = |data: &str, expected: &str| assert_eq!(uri(data), Ok(expected.to_owned()), "{data}");
    ok(
        "(01)12312312312326(22)ABC(10)DEF(21)GHI(95)INT",
        "https://example.com/01/12312312312326/22/ABC/10/DEF/21/GHI?95=INT",
    );
    ok(
        "(21)XYZ(01)12312312312333(10)ABC123(99)XYZ",
        "https://example.com/01/12312312312333/10/ABC123/21/XYZ?99=XYZ",
    );
    ok(
        "(01)12312312312333(10)ABC+123(99)XYZ+QWERTY",
        "https://example.com/01/12312312312333/10/ABC%2B123?99=XYZ%2BQWERTY",
    );
    ok(
        "(8017)795260646688514634(99)000001(253)9526064000028000001",
        "https://example.com/8017/795260646688514634?99=000001&253=9526064000028000001",
    );
    ok(
        "(98)ABC(253)9526064000028000001(99)000001(8017)795260646688514634",
        "https://example.com/253/9526064000028000001?98=ABC&99=000001&8017=795260646688514634",
    );
    ok(
        "(01)12312312312326(01)12312312312326(10)ABC123(99)XYZ789",
        "https://example.com/01/12312312312326/10/ABC123?99=XYZ789",
    );
    for refused in [
        "(01)12312312312326(99)000001(8200)http://example.com(95)INT",
        "(01)12312312312326(235)TPX9526064(99)000001(22)ABC(95)INT",
        "(01)12312312312326(22)ABC(10)DEF(99)000001(235)TPX9526064(95)INT",
    ] {
        assert!(uri(refused).is_err(), "{refused}");
    }
}
