package org.json;
import java.util.Iterator;
public class JSONObject {
    public JSONObject(String json) throws JSONException {}
    public Iterator<String> keys() { return null; }
    public Object get(String name) throws JSONException { return null; }
    public JSONObject getJSONObject(String name) throws JSONException { return this; }
    public JSONObject optJSONObject(String name) { return null; }
    public String getString(String name) throws JSONException { return null; }
    public boolean optBoolean(String name, boolean fallback) { return fallback; }
}
