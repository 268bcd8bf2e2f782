package com.dockhand.android;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.os.Bundle;
import android.util.Log;
import java.util.HashMap;
import java.util.Map;

/**
 * Intent mode: receives the scan broadcasts Zebra DataWedge and the Honeywell Data
 * Collection service send with {@link #SCAN_ACTION} (see android/profiles/) and hands their
 * extras to Rust, which decodes them and queues the scan for the UI thread.
 *
 * <p>Registered by {@link DockhandActivity} for the activity's life, so scans that arrive
 * while it is paused are queued, not lost.
 */
public final class ScanReceiver extends BroadcastReceiver {
    /** The action in the DataWedge profile and the Honeywell claim; the same in Rust. */
    public static final String SCAN_ACTION = "com.dockhand.android.SCAN";

    private static final String TAG = "dockhand";

    @Override
    public void onReceive(Context context, Intent intent) {
        if (intent == null || !SCAN_ACTION.equals(intent.getAction())) {
            return;
        }
        Bundle bundle = intent.getExtras();
        Map<String, Object> extras = new HashMap<>();
        if (bundle != null) {
            for (String key : bundle.keySet()) {
                extras.put(key, bundle.get(key));
            }
        }
        if (!nativeDeliverExtras(ScanExtras.toJson(extras))) {
            Log.w(TAG, "scan broadcast was not a scan; check the scanner profile (extras: "
                    + extras.keySet() + ")");
        }
    }

    /** Decodes and queues one scan (Rust: {@code device::java}). True when it was a scan. */
    private static native boolean nativeDeliverExtras(String extrasJson);
}
