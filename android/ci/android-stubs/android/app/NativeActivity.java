package android.app;
public abstract class NativeActivity extends Activity {}
