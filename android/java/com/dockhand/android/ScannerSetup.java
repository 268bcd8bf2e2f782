package com.dockhand.android;

import android.content.Context;
import android.content.Intent;
import android.content.pm.PackageManager;
import android.os.Bundle;
import android.os.Parcelable;
import android.util.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * Puts the handheld's scanner into intent mode for Dockhand, from the settings shipped as
 * assets (android/profiles/, the same files a person applies by hand):
 *
 * <ul>
 *   <li>Zebra: sends DataWedge's {@code SET_CONFIG} with {@code datawedge/dockhand.json}
 *       (profile "Dockhand", bound to this app: intent output by broadcast with
 *       {@link ScanReceiver#SCAN_ACTION}, keystroke output off). Once, at start-up.
 *   <li>Honeywell: claims the scanner while the activity is in front with the properties in
 *       {@code honeywell/dockhand.json} (data intent with the same action, keyboard wedge
 *       off), and releases it when the activity pauses.
 * </ul>
 *
 * On a handheld without either service nothing is sent; keystroke mode still works.
 */
final class ScannerSetup {
    private static final String TAG = "dockhand";
    private static final String DATAWEDGE_PACKAGE = "com.symbol.datawedge";
    private static final String DATAWEDGE_API = "com.symbol.datawedge.api.ACTION";
    private static final String HONEYWELL_PACKAGE = "com.intermec.datacollectionservice";

    private ScannerSetup() {}

    static void configureDataWedge(Context context) {
        if (!installed(context, DATAWEDGE_PACKAGE)) {
            return;
        }
        try {
            JSONObject profile = asset(context, "datawedge/dockhand.json");
            Intent intent = new Intent(DATAWEDGE_API).setPackage(DATAWEDGE_PACKAGE);
            intent.putExtra("com.symbol.datawedge.api.SET_CONFIG", bundle(profile));
            context.sendBroadcast(intent);
        } catch (IOException | JSONException e) {
            Log.e(TAG, "DataWedge profile not applied; set it up by hand (android/profiles)", e);
        }
    }

    static void claimHoneywellScanner(Context context) {
        honeywell(context, "claim");
    }

    static void releaseHoneywellScanner(Context context) {
        honeywell(context, "release");
    }

    private static void honeywell(Context context, String which) {
        if (!installed(context, HONEYWELL_PACKAGE)) {
            return;
        }
        try {
            JSONObject settings = asset(context, "honeywell/dockhand.json");
            if (!settings.optBoolean("enabled", true)) {
                return;
            }
            JSONObject step = settings.getJSONObject(which);
            Intent intent = new Intent(step.getString("action")).setPackage(HONEYWELL_PACKAGE);
            JSONObject extras = step.optJSONObject("extras");
            if (extras != null) {
                intent.putExtras(bundle(extras));
            }
            // The service checks that this app holds com.honeywell.decode.permission.DECODE
            // (declared in the manifest).
            context.sendBroadcast(intent);
        } catch (IOException | JSONException e) {
            Log.e(TAG, "Honeywell scanner not " + which + "ed; set it up by hand", e);
        }
    }

    private static boolean installed(Context context, String pkg) {
        try {
            context.getPackageManager().getPackageInfo(pkg, 0);
            return true;
        } catch (PackageManager.NameNotFoundException e) {
            return false;
        }
    }

    private static JSONObject asset(Context context, String path) throws IOException, JSONException {
        try (InputStream in = context.getAssets().open(path)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            int n;
            while ((n = in.read(chunk)) > 0) {
                out.write(chunk, 0, n);
            }
            return new JSONObject(new String(out.toByteArray(), StandardCharsets.UTF_8));
        }
    }

    /**
     * JSON as the Bundles both vendors' APIs take: strings, booleans and ints as such,
     * objects as Bundles, arrays of strings as String[], arrays of objects as Bundle[]
     * ({@code APP_LIST}) or ArrayList&lt;Bundle&gt; (everything else, e.g. {@code PLUGIN_CONFIG}).
     * Keys starting with "_" are comments for people and are skipped.
     */
    private static Bundle bundle(JSONObject json) throws JSONException {
        Bundle out = new Bundle();
        Iterator<String> keys = json.keys();
        while (keys.hasNext()) {
            String key = keys.next();
            if (key.startsWith("_")) {
                continue;
            }
            Object value = json.get(key);
            if (value instanceof JSONObject) {
                out.putBundle(key, bundle((JSONObject) value));
            } else if (value instanceof JSONArray) {
                JSONArray array = (JSONArray) value;
                if (array.length() > 0 && array.get(0) instanceof JSONObject) {
                    ArrayList<Bundle> bundles = new ArrayList<>();
                    for (int i = 0; i < array.length(); i++) {
                        bundles.add(bundle(array.getJSONObject(i)));
                    }
                    if (key.equals("APP_LIST")) {
                        out.putParcelableArray(key, bundles.toArray(new Parcelable[0]));
                    } else {
                        out.putParcelableArrayList(key, bundles);
                    }
                } else {
                    String[] strings = new String[array.length()];
                    for (int i = 0; i < array.length(); i++) {
                        strings[i] = array.getString(i);
                    }
                    out.putStringArray(key, strings);
                }
            } else if (value instanceof Boolean) {
                out.putBoolean(key, (Boolean) value);
            } else if (value instanceof Integer) {
                out.putInt(key, (Integer) value);
            } else {
                out.putString(key, String.valueOf(value));
            }
        }
        return out;
    }
}
