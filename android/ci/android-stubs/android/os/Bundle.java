package android.os;
import java.util.ArrayList;
import java.util.Set;
public final class Bundle implements Parcelable {
    public Set<String> keySet() { return null; }
    public Object get(String key) { return null; }
    public void putBundle(String key, Bundle value) {}
    public void putParcelableArray(String key, Parcelable[] value) {}
    public void putParcelableArrayList(String key, ArrayList<? extends Parcelable> value) {}
    public void putStringArray(String key, String[] value) {}
    public void putBoolean(String key, boolean value) {}
    public void putInt(String key, int value) {}
    public void putString(String key, String value) {}
}
