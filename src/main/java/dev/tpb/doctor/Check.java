package dev.tpb.doctor;

/** One finding of {@code tpb doctor}: what was checked, how it went, and what to do about it. */
public record Check(String area, Status status, String detail, String advice) {
    public enum Status { OK, INFO, WARN, FAIL }

    static Check ok(String area, String detail) {
        return new Check(area, Status.OK, detail, "");
    }

    static Check info(String area, String detail) {
        return new Check(area, Status.INFO, detail, "");
    }

    static Check warn(String area, String detail, String advice) {
        return new Check(area, Status.WARN, detail, advice);
    }

    static Check fail(String area, String detail, String advice) {
        return new Check(area, Status.FAIL, detail, advice);
    }
}
