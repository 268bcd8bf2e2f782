package android.app;
import android.content.Context;
import android.os.Bundle;
public abstract class Activity extends Context {
    protected void onCreate(Bundle savedInstanceState) {}
    protected void onResume() {}
    protected void onPause() {}
    protected void onDestroy() {}
    public final void runOnUiThread(Runnable action) {}
    public void finish() {}
}
