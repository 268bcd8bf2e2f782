import com.dockhand.android.ScanExtras;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the receiver's extras-to-JSON conversion (ScanExtras) on the build machine for the
 * scan broadcasts below and compares the output with the fixtures in ci/fixtures/, which
 * the Rust unit tests decode (dockhand-android, intent::tests). Together they check the
 * path DataWedge/Honeywell extras → Java → JSON → Rust scan, short of JNI itself.
 *
 * <p>Usage: java ScanExtrasCheck FIXTURE_DIR [--write]
 */
public final class ScanExtrasCheck {
    private static final char GS = 0x1d;

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        boolean write = args.length > 1 && args[1].equals("--write");
        Map<String, Map<String, Object>> cases = new HashMap<>();

        Map<String, Object> zebra = new HashMap<>();
        String gs1 = "0109506000134352" + GS + "10ABC123";
        ArrayList<byte[]> decodeData = new ArrayList<>();
        decodeData.add(gs1.getBytes(StandardCharsets.UTF_8));
        zebra.put("com.symbol.datawedge.source", "scanner");
        zebra.put("com.symbol.datawedge.label_type", "LABEL-TYPE-GS1-128");
        zebra.put("com.symbol.datawedge.data_string", gs1);
        zebra.put("com.symbol.datawedge.decode_data", decodeData);
        zebra.put("com.symbol.datawedge.decoded_mode", "single_decode");
        zebra.put("com.symbol.datawedge.data_dispatch_time", 1764424800000L);
        cases.put("datawedge-gs1-128.json", zebra);

        Map<String, Object> honeywell = new HashMap<>();
        String dm = "0109506000134352" + GS + "17271231";
        honeywell.put("version", 1);
        honeywell.put("data", dm);
        honeywell.put("dataBytes", dm.getBytes(StandardCharsets.ISO_8859_1));
        honeywell.put("codeId", "w");
        honeywell.put("aimId", "]d2");
        honeywell.put("charset", "ISO-8859-1");
        honeywell.put("timestamp", "2026-11-29T14:00:00.000");
        cases.put("honeywell-gs1-datamatrix.json", honeywell);

        Map<String, Object> label = new HashMap<>();
        String text = "Lot \"A\\7\" é\t✓";
        label.put("data", text);
        // Latin-1 bytes are not UTF-8: the decoder falls back to the text.
        label.put("dataBytes", text.getBytes(StandardCharsets.ISO_8859_1));
        label.put("codeId", "j");
        label.put("extra", new Object()); // a Parcelable the decoder does not know
        cases.put("honeywell-escaped-text.json", label);

        int failures = 0;
        for (Map.Entry<String, Map<String, Object>> entry : cases.entrySet()) {
            Path file = dir.resolve(entry.getKey());
            String json = ScanExtras.toJson(entry.getValue()) + "\n";
            if (write) {
                Files.write(file, json.getBytes(StandardCharsets.UTF_8));
                System.out.println("wrote " + file);
                continue;
            }
            String expected = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            if (!expected.equals(json)) {
                failures++;
                System.err.println(file + " differs:\n  expected " + expected + "  got      " + json);
            }
        }
        if (write) {
            return;
        }
        if (failures > 0) {
            System.exit(1);
        }
        System.out.println("ScanExtras: " + cases.size() + " passed, 0 failed");
    }
}
