package com.dockhand.android;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a scan broadcast's extras into the JSON object the Rust side decodes
 * (dockhand-android's {@code intent::receive_extras_json}, then dockhand-app's
 * {@code decode_intent_json}).
 *
 * <p>Plain Java on purpose (no {@code android.*}, no {@code org.json}): the CI check compiles
 * and runs it on the build machine against the same cases the Rust tests decode.
 *
 * <ul>
 *   <li>{@code String} / {@code CharSequence} → JSON string (control characters such as GS
 *       escaped as {@code \u001d});
 *   <li>{@code Boolean} → true/false; {@code Byte}, {@code Short}, {@code Integer},
 *       {@code Long} → number;
 *   <li>{@code byte[]} → array of signed bytes (Honeywell {@code dataBytes});
 *   <li>a {@code List} (DataWedge {@code decode_data}, an {@code ArrayList<byte[]>}) → array
 *       of its elements;
 *   <li>anything else (a nested {@code Bundle}, a {@code Parcelable}) → null, which the
 *       decoder ignores.
 * </ul>
 */
public final class ScanExtras {
    private ScanExtras() {}

    /** The extras as one JSON object, keys sorted so the output is stable. */
    public static String toJson(Map<String, ?> extras) {
        StringBuilder out = new StringBuilder();
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, ?> entry : new TreeMap<String, Object>(extras).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, entry.getKey());
            out.append(':');
            value(out, entry.getValue());
        }
        out.append('}');
        return out.toString();
    }

    private static void value(StringBuilder out, Object value) {
        if (value instanceof CharSequence) {
            string(out, value.toString());
        } else if (value instanceof Boolean) {
            out.append(((Boolean) value).booleanValue());
        } else if (value instanceof Byte
                || value instanceof Short
                || value instanceof Integer
                || value instanceof Long) {
            out.append(((Number) value).longValue());
        } else if (value instanceof byte[]) {
            byte[] bytes = (byte[]) value;
            out.append('[');
            for (int i = 0; i < bytes.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(bytes[i]);
            }
            out.append(']');
        } else if (value instanceof List) {
            List<?> items = (List<?>) value;
            out.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                value(out, items.get(i));
            }
            out.append(']');
        } else {
            out.append("null");
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
