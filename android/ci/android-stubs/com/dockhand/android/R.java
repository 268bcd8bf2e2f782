package com.dockhand.android;
// What the Android build generates from res/values/strings.xml.
public final class R {
    public static final class string {
        public static final int app_name = 1;
        public static final int fatal_title = 2;
        public static final int fatal_close = 3;
    }
}
