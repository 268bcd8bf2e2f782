package com.dockhand.android;

import android.app.AlertDialog;
import android.app.NativeActivity;
import android.content.Context;
import android.content.IntentFilter;
import android.media.AudioManager;
import android.media.ToneGenerator;
import android.os.Build;
import android.os.Bundle;
import android.os.VibrationEffect;
import android.os.Vibrator;
import android.util.Log;

/**
 * The activity: NativeActivity runs Rust's {@code android_main} (the Slint UI, the journal,
 * sync) on its own thread; this subclass adds what needs Java — the scan broadcast receiver,
 * the scanner set-up for DataWedge and Honeywell, beeps and vibration, and an error dialog.
 */
public class DockhandActivity extends NativeActivity {
    private static final String TAG = "dockhand";

    static {
        // NativeActivity loads the library through its own loader; the receiver's native
        // method needs it loaded through System.loadLibrary as well.
        System.loadLibrary("dockhand_android");
    }

    private ScanReceiver receiver;
    private ToneGenerator tones;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        receiver = new ScanReceiver();
        IntentFilter filter = new IntentFilter(ScanReceiver.SCAN_ACTION);
        filter.addCategory("android.intent.category.DEFAULT");
        // DataWedge and the Honeywell service are other apps: the receiver must be exported.
        if (Build.VERSION.SDK_INT >= 33) {
            registerReceiver(receiver, filter, Context.RECEIVER_EXPORTED);
        } else {
            registerReceiver(receiver, filter);
        }
        ScannerSetup.configureDataWedge(this);
        try {
            tones = new ToneGenerator(AudioManager.STREAM_NOTIFICATION, 100);
        } catch (RuntimeException e) {
            Log.w(TAG, "no tone generator; scans will only vibrate", e);
        }
    }

    @Override
    protected void onResume() {
        super.onResume();
        ScannerSetup.claimHoneywellScanner(this);
    }

    @Override
    protected void onPause() {
        ScannerSetup.releaseHoneywellScanner(this);
        super.onPause();
    }

    @Override
    protected void onDestroy() {
        if (receiver != null) {
            unregisterReceiver(receiver);
            receiver = null;
        }
        if (tones != null) {
            tones.release();
            tones = null;
        }
        super.onDestroy();
    }

    /** Called from Rust for each scan's feedback: a short high beep, or a low double buzz. */
    public void scanFeedback(boolean good) {
        if (tones != null) {
            tones.startTone(good ? ToneGenerator.TONE_PROP_BEEP : ToneGenerator.TONE_PROP_NACK,
                    good ? 120 : 400);
        }
        Vibrator vibrator = (Vibrator) getSystemService(Context.VIBRATOR_SERVICE);
        if (vibrator == null || !vibrator.hasVibrator()) {
            return;
        }
        long[] pattern = good ? new long[] {0, 40} : new long[] {0, 180, 120, 180};
        vibrator.vibrate(VibrationEffect.createWaveform(pattern, -1));
    }

    /** Called from Rust when the app cannot run (no storage, an unreadable journal). */
    public void showFatalError(final String message) {
        runOnUiThread(new Runnable() {
            @Override
            public void run() {
                new AlertDialog.Builder(DockhandActivity.this)
                        .setTitle(R.string.fatal_title)
                        .setMessage(message)
                        .setCancelable(false)
                        .setPositiveButton(R.string.fatal_close, (dialog, which) -> finish())
                        .show();
            }
        });
    }
}
