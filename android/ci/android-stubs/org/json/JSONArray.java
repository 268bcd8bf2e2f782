package org.json;
public class JSONArray {
    public int length() { return 0; }
    public Object get(int index) throws JSONException { return null; }
    public JSONObject getJSONObject(int index) throws JSONException { return null; }
    public String getString(int index) throws JSONException { return null; }
}
