package android.media;
public class ToneGenerator {
    public static final int TONE_PROP_BEEP = 24;
    public static final int TONE_PROP_NACK = 26;
    public ToneGenerator(int streamType, int volume) {}
    public boolean startTone(int toneType, int durationMs) { return true; }
    public void release() {}
}
