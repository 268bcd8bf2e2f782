package android.content;
import android.os.Bundle;
public class Intent {
    public Intent(String action) {}
    public String getAction() { return null; }
    public Bundle getExtras() { return null; }
    public Intent setPackage(String packageName) { return this; }
    public Intent putExtra(String name, Bundle value) { return this; }
    public Intent putExtras(Bundle extras) { return this; }
}
