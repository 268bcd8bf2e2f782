//! Keeps the parts of the Android build that no compiler here sees in step with the Rust
//! code: the broadcast action in the Java receiver and both scanner profiles, the package
//! name, the library name NativeActivity and `System.loadLibrary` load, and the JNI names
//! and signatures on both sides. Each was a string in two languages; a rename on one side
//! only would compile and then fail on a handheld.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use crate::intent::SCAN_ACTION;

const RECEIVER: &str = include_str!("../java/com/dockhand/android/ScanReceiver.java");
const ACTIVITY: &str = include_str!("../java/com/dockhand/android/DockhandActivity.java");
const SETUP: &str = include_str!("../java/com/dockhand/android/ScannerSetup.java");
const MANIFEST: &str = include_str!("../AndroidManifest.xml");
const GRADLE: &str = include_str!("../build.gradle");
const DATAWEDGE: &str = include_str!("../profiles/datawedge/dockhand.json");
const HONEYWELL: &str = include_str!("../profiles/honeywell/dockhand.json");
const RUST_JNI: &str = include_str!("device/java.rs");
const STRINGS_XML: &str = include_str!("../res/values/strings.xml");
const R_STUB: &str = include_str!("../ci/android-stubs/com/dockhand/android/R.java");

const APP_ID: &str = "com.dockhand.android";
/// The cdylib's name: `libdockhand_android.so`.
const LIBRARY: &str = "dockhand_android";

fn plugin<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["PLUGIN_CONFIG"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["PLUGIN_NAME"] == name)
        .unwrap_or_else(|| panic!("DataWedge profile has no {name} plugin"))
}

#[test]
fn every_part_uses_the_same_scan_action() {
    assert!(
        RECEIVER.contains(&format!("SCAN_ACTION = \"{SCAN_ACTION}\"")),
        "ScanReceiver.java must listen to {SCAN_ACTION}"
    );
    assert!(ACTIVITY.contains("new IntentFilter(ScanReceiver.SCAN_ACTION)"));

    let profile: Value = serde_json::from_str(DATAWEDGE).unwrap();
    let intent = &plugin(&profile, "INTENT")["PARAM_LIST"];
    assert_eq!(intent["intent_action"], SCAN_ACTION);
    assert_eq!(intent["intent_output_enabled"], "true");
    assert_eq!(
        intent["intent_delivery"], "2",
        "2 = broadcast, what the receiver gets"
    );

    let honeywell: Value = serde_json::from_str(HONEYWELL).unwrap();
    let properties = &honeywell["claim"]["extras"]["com.honeywell.aidc.extra.EXTRA_PROPERTIES"];
    assert_eq!(properties["DPR_DATA_INTENT"], true);
    assert_eq!(properties["DPR_DATA_INTENT_ACTION"], SCAN_ACTION);
    assert_eq!(honeywell["enabled"], true);
}

#[test]
fn a_scan_is_delivered_once_not_as_intent_and_keys() {
    let profile: Value = serde_json::from_str(DATAWEDGE).unwrap();
    assert_eq!(
        plugin(&profile, "KEYSTROKE")["PARAM_LIST"]["keystroke_output_enabled"],
        "false"
    );
    let honeywell: Value = serde_json::from_str(HONEYWELL).unwrap();
    assert_eq!(
        honeywell["claim"]["extras"]["com.honeywell.aidc.extra.EXTRA_PROPERTIES"]["DPR_WEDGE"],
        false
    );
}

#[test]
fn the_profiles_and_the_build_name_the_same_app_and_library() {
    let profile: Value = serde_json::from_str(DATAWEDGE).unwrap();
    assert_eq!(profile["APP_LIST"][0]["PACKAGE_NAME"], APP_ID);
    assert!(GRADLE.contains(&format!("applicationId '{APP_ID}'")));
    assert!(GRADLE.contains(&format!("namespace '{APP_ID}'")));
    assert!(RECEIVER.starts_with(&format!("package {APP_ID};")));
    assert!(GRADLE.contains(&format!("lib{LIBRARY}.so")));
    assert!(MANIFEST.contains(&format!(
        r#"<meta-data android:name="android.app.lib_name" android:value="{LIBRARY}" />"#
    )));
    assert!(ACTIVITY.contains(&format!(r#"System.loadLibrary("{LIBRARY}");"#)));
    assert!(MANIFEST.contains(r#"android:name=".DockhandActivity""#));
    // The assets ScannerSetup reads are the files shipped under profiles/.
    assert!(GRADLE.contains("assets.srcDirs = ['profiles']"));
    assert!(SETUP.contains(r#""datawedge/dockhand.json""#));
    assert!(SETUP.contains(r#""honeywell/dockhand.json""#));
}

#[test]
fn jni_names_and_signatures_match_on_both_sides() {
    // Rust exports the receiver's native method under its JNI name.
    let package = APP_ID.replace('.', "_");
    assert!(
        RECEIVER.contains("private static native boolean nativeDeliverExtras(String extrasJson);")
    );
    assert!(RUST_JNI.contains(&format!(
        "fn Java_{package}_ScanReceiver_nativeDeliverExtras<'local>("
    )));
    assert!(RUST_JNI.contains("-> jni::sys::jboolean"));
    // Rust calls these activity methods with these signatures.
    assert!(ACTIVITY.contains("public void scanFeedback(boolean good)"));
    assert!(RUST_JNI.contains(r#"jni_str!("scanFeedback"),"#));
    assert!(RUST_JNI.contains(r#"jni_sig!("(Z)V"),"#));
    assert!(ACTIVITY.contains("public void showFatalError(final String message)"));
    assert!(RUST_JNI.contains(r#"jni_str!("showFatalError"),"#));
    assert!(RUST_JNI.contains(r#"jni_sig!("(Ljava/lang/String;)V"),"#));
}

#[test]
fn the_manifest_asks_for_what_the_app_uses() {
    for permission in [
        "android.permission.INTERNET",
        "android.permission.ACCESS_NETWORK_STATE",
        "android.permission.VIBRATE",
        "com.honeywell.decode.permission.DECODE",
    ] {
        assert!(
            MANIFEST.contains(&format!(
                r#"<uses-permission android:name="{permission}" />"#
            )),
            "{permission}"
        );
    }
    assert!(GRADLE.contains("minSdk 26"));
    for density in ["mdpi", "hdpi", "xhdpi", "xxhdpi", "xxxhdpi"] {
        let icon = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("res/mipmap-{density}/ic_launcher.png"));
        let bytes = std::fs::read(&icon).unwrap_or_else(|e| panic!("{}: {e}", icon.display()));
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{}",
            icon.display()
        );
    }
}

#[test]
fn the_java_check_stubs_name_the_real_string_resources() {
    // `android/ci/java-check` compiles the activity against a stand-in for the generated
    // `R`; it must offer exactly the strings res/values/strings.xml defines.
    let names = |text: &str, start: &str, end: char| -> Vec<String> {
        let mut names: Vec<String> = text
            .match_indices(start)
            .map(|(at, _)| {
                let rest = &text[at + start.len()..];
                rest[..rest.find(end).unwrap()].to_owned()
            })
            .collect();
        names.sort();
        names
    };
    let xml = names(STRINGS_XML, "<string name=\"", '"');
    let stub = names(R_STUB, "public static final int ", ' ');
    assert_eq!(xml, ["app_name", "fatal_close", "fatal_title"]);
    assert_eq!(stub, xml);
    for name in ["fatal_title", "fatal_close"] {
        assert!(ACTIVITY.contains(&format!("R.string.{name}")), "{name}");
    }
}
