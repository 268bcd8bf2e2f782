package android.content;
import android.content.pm.PackageManager;
import android.content.res.AssetManager;
public abstract class Context {
    public static final int RECEIVER_EXPORTED = 2;
    public static final String VIBRATOR_SERVICE = "vibrator";
    public Intent registerReceiver(BroadcastReceiver receiver, IntentFilter filter) { return null; }
    public Intent registerReceiver(BroadcastReceiver receiver, IntentFilter filter, int flags) { return null; }
    public void unregisterReceiver(BroadcastReceiver receiver) {}
    public Object getSystemService(String name) { return null; }
    public PackageManager getPackageManager() { return null; }
    public AssetManager getAssets() { return null; }
    public void sendBroadcast(Intent intent) {}
    public void sendBroadcast(Intent intent, String receiverPermission) {}
}
