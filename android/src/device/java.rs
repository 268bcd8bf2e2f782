//! The JNI edge: the native method the Java `ScanReceiver` calls for each scan broadcast,
//! and the calls this side makes into `DockhandActivity` (scan feedback, a fatal error
//! message) and into rustls' Android certificate verifier. Everything here is a thin
//! wrapper: the receiver's work is [`crate::intent::receive_extras_json`].

use android_activity::AndroidApp;
use jni::objects::{JClass, JObject, JString, JValue};
use jni::{Env, EnvUnowned, JavaVM, jni_sig, jni_str};

use super::SCAN_INBOX;
use crate::intent::receive_extras_json;

/// `ScanReceiver.nativeDeliverExtras(String extrasJson)`: decodes one scan broadcast and
/// queues it for the UI thread. Returns whether it was a scan; a refusal is also queued,
/// so the UI says what was wrong with it.
#[allow(unsafe_code)] // the JVM finds native methods by their unmangled JNI names
#[unsafe(no_mangle)]
pub extern "system" fn Java_com_dockhand_android_ScanReceiver_nativeDeliverExtras<'local>(
    mut unowned_env: EnvUnowned<'local>,
    _class: JClass<'local>,
    extras_json: JString<'local>,
) -> jni::sys::jboolean {
    unowned_env
        .with_env(|env| -> Result<bool, jni::errors::Error> {
            let json = extras_json.try_to_string(env)?;
            match receive_extras_json(&SCAN_INBOX, &json, chrono::Utc::now()) {
                Ok(()) => Ok(true),
                Err(error) => {
                    log::warn!("scan broadcast refused: {error}");
                    Ok(false)
                }
            }
        })
        .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
}

/// Runs `f` with this thread attached to the JVM and the activity object.
fn with_activity<T>(
    app: &AndroidApp,
    f: impl FnOnce(&mut Env<'_>, JObject<'_>) -> jni::errors::Result<T>,
) -> jni::errors::Result<T> {
    #[allow(unsafe_code)]
    // SAFETY: android-activity hands out the process's JavaVM pointer, valid for its life.
    let vm = unsafe { JavaVM::from_raw(app.vm_as_ptr().cast()) };
    vm.attach_current_thread(|env| {
        let raw = app.activity_as_ptr() as jni::sys::jobject;
        #[allow(unsafe_code)]
        // SAFETY: a global reference to the activity that android-activity keeps alive
        // while `android_main` runs; `JObject` never deletes the reference it wraps.
        let activity = unsafe { JObject::from_raw(env, raw) };
        f(env, activity)
    })
}

/// Calls `DockhandActivity.scanFeedback(boolean good)`: beep and vibrate.
pub fn scan_feedback(app: &AndroidApp, good: bool) -> jni::errors::Result<()> {
    with_activity(app, |env, activity| {
        env.call_method(
            &activity,
            jni_str!("scanFeedback"),
            jni_sig!("(Z)V"),
            &[JValue::Bool(good)],
        )?;
        Ok(())
    })
}

/// Calls `DockhandActivity.showFatalError(String)`: a dialog that says why the app cannot
/// run (no journal, no storage) instead of a black screen.
pub fn show_fatal_error(app: &AndroidApp, message: &str) {
    let shown = with_activity(app, |env, activity| {
        let text = JString::from_str(env, message)?;
        env.call_method(
            &activity,
            jni_str!("showFatalError"),
            jni_sig!("(Ljava/lang/String;)V"),
            &[JValue::Object(&text)],
        )?;
        Ok(())
    });
    if let Err(error) = shown {
        log::error!("cannot show the error on screen: {error}");
    }
}

/// reqwest verifies HTTPS certificates with Android's own verifier, which needs the JVM
/// and the app's class loader (and the verifier's Kotlin classes in the APK, see
/// `android/README.md`).
pub fn init_tls_verifier(app: &AndroidApp) -> jni::errors::Result<()> {
    with_activity(app, |env, activity| {
        rustls_platform_verifier::android::init_with_env(env, activity)
    })
}
