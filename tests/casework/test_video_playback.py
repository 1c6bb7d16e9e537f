"""Playing a video on request: POST .../play answers a WebM for the holder only, never
cached; filtered and low-resolution in their preview style unless their settings say the
original (then audited as a reveal); made once, kept encrypted, purged with the evidence;
silent unless audio is allowed."""

from __future__ import annotations

import io
from datetime import timedelta

import av
import numpy as np
import pytest
from PIL import Image

from casework import roles
from casework.cases import decisions, filing
from casework.models import AuditEvent, ViewSettings
from casework.preservation.purge import purge_expired
from reports import playback, synthetic, vault
from reports.previews import PreviewStyle
from tests.helpers import make_user, signed_in, stored_image, stored_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_video():
    media, data = stored_video(51, "ext-51")
    case = filing.file_report(media.report_id)
    user = make_user("rev", roles.REVIEWER)
    client = signed_in(user)
    assert client.post("/queues/csam/next")["Location"] == f"/cases/{case.pk}/"
    return client, user, case, media, data


def play(client, case, media):
    return client.post(f"/cases/{case.pk}/media/{media.pk}/play")


def first_frame(data: bytes) -> tuple[str, np.ndarray, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        audio_tracks = len(container.streams.audio)
        return stream.codec_context.name, np.asarray(frame.to_image(), np.int16), audio_tracks


def sharpness(pixels: np.ndarray) -> float:
    return float(np.abs(np.diff(pixels, axis=1)).mean())


def original_first_frame(data: bytes, size: tuple[int, int]) -> np.ndarray:
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(container.streams.video[0]))
        return np.asarray(frame.to_image().resize(size, Image.Resampling.BILINEAR), np.int16)


def test_filtered_playback_is_small_blurred_grey_and_audited(held_video):
    client, _, case, media, original = held_video
    response = play(client, case, media)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/webm"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Casework-Filtered"] == "1"
    codec, pixels, audio = first_frame(response.content)
    assert codec == "vp8" and audio == 0
    assert pixels.shape == (240, 320, 3)  # 640×480 shrunk to 320 on the long side
    sharp = original_first_frame(original, (320, 240))
    assert sharpness(pixels) < sharpness(sharp) / 4  # blurred
    assert np.abs(pixels[..., 0] - pixels[..., 2]).max() <= 12  # grey (through VP8's chroma)
    event = AuditEvent.objects.get(action="media.played")
    assert event.target == f"media:{media.pk}"
    assert event.data["case"] == case.pk and event.data["style"]["filter"] == "blur"
    assert not AuditEvent.objects.filter(action="media.revealed").exists()


def test_the_original_is_played_only_if_chosen_and_audited_as_a_reveal(held_video):
    client, user, case, media, original = held_video
    ViewSettings.objects.create(user=user, video_playback="original")
    response = play(client, case, media)
    assert response.status_code == 200 and response["X-Casework-Filtered"] == "0"
    assert response["Cache-Control"] == "no-store"
    _, pixels, audio = first_frame(response.content)
    assert pixels.shape == (480, 640, 3) and audio == 0
    sharp = original_first_frame(original, (640, 480))
    assert np.abs(pixels - sharp).mean() < 8  # the original's pixels, through VP8
    event = AuditEvent.objects.get(action="media.revealed")
    assert event.data == {"case": case.pk, "playback": True, "audio": False}
    # Its re-blur may be recorded, as for a revealed image.
    url = f"/cases/{case.pk}/media/{media.pk}/reblurred"
    assert client.post(url, {"seconds": "10.0", "cause": "timer"}).status_code == 204


def test_someone_not_holding_the_case_may_not_play_it(held_video):
    _, _, case, media, _ = held_video
    other = signed_in(make_user("other", roles.REVIEWER))
    response = play(other, case, media)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__in=["media.played", "media.revealed"]).exists()


def test_an_image_is_not_played(held_video):
    client, _, case, _, _ = held_video
    image, _ = stored_image(52, "ext-52")
    case.case_reports.create(report_id=image.report_id)
    response = play(client, case, image)
    assert response.status_code == 400 and b"media" in response.content


def test_the_stream_is_made_once_and_kept_encrypted(held_video, monkeypatch):
    client, _, case, media, _ = held_video
    first = play(client, case, media).content
    name = playback.cache_name(media.vault_name, PreviewStyle(), False)
    assert vault._path(name).exists()
    assert vault._path(name).read_bytes()[:4] == vault.MAGIC  # sealed, not a bare WebM
    monkeypatch.setattr(playback, "transcode", lambda *a, **k: pytest.fail("transcoded again"))
    assert play(client, case, media).content == first


def test_cached_streams_are_purged_with_the_evidence(held_video, settings):
    client, user, case, media, _ = held_video
    play(client, case, media)
    ViewSettings.objects.create(user=user, video_playback="original")
    play(client, case, media)
    names = [playback.cache_name(media.vault_name, s, False) for s in (PreviewStyle(), None)]
    assert all(vault._path(n).exists() for n in names)
    decisions.record_decision(case_id=case.pk, user=user, verdict="not_csam")
    case.refresh_from_db()
    settings.EVIDENCE_KEEP_CLOSED_DAYS = 90
    assert purge_expired(now=case.closed_at + timedelta(days=91)) == 1
    assert not any(vault._path(n).exists() for n in names)
    assert play(client, case, media).status_code == 403  # decided: no longer held


def video_with_sound() -> bytes:
    """A second of synthetic video with a 440 Hz tone."""
    out = io.BytesIO()
    picture = synthetic.picture(53, (320, 240))
    with av.open(out, mode="w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=12)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        sound = container.add_stream("aac", rate=48000)
        for _ in range(12):
            container.mux(video.encode(av.VideoFrame.from_image(picture)))
        container.mux(video.encode())
        tone = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000).astype(np.float32)
        for start in range(0, 48000, 1024):
            chunk = tone[None, start : start + 1024]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, start
            container.mux(sound.encode(frame))
        container.mux(sound.encode())
    return out.getvalue()


def test_audio_is_stripped_unless_allowed():
    data = video_with_sound()
    with av.open(io.BytesIO(data)) as container:
        assert len(container.streams.audio) == 1
    assert first_frame(playback.transcode(data, PreviewStyle()))[2] == 0
    assert first_frame(playback.transcode(data, None))[2] == 0
    assert first_frame(playback.transcode(data, PreviewStyle(), audio=True))[2] == 1


def test_audio_setting_reaches_playback(held_video):
    client, user, case, _, _ = held_video
    media, _ = stored_video(54, "ext-54", data=video_with_sound())
    case.case_reports.create(report_id=media.report_id)
    assert first_frame(play(client, case, media).content)[2] == 0
    ViewSettings.objects.create(user=user, video_audio=True)
    assert first_frame(play(client, case, media).content)[2] == 1
    assert AuditEvent.objects.filter(action="media.played").last().data["audio"] is True


@pytest.mark.parametrize("keyframes, size", [(4, (320, 320)), (9, (480, 480)), (16, (640, 640))])
def test_the_keyframe_grid_follows_the_density_setting(keyframes, size):
    data = synthetic.video_bytes(55, seconds=20.0, size=(640, 480))  # a keyframe a second
    media, _ = stored_video(55, "ext-55", data=data)
    user = make_user("rev", roles.REVIEWER)
    ViewSettings.objects.create(user=user, keyframes=keyframes)
    response = signed_in(user).get(f"/media/{media.pk}/preview")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    grid = Image.open(io.BytesIO(response.content))
    assert grid.size == size  # 2×2, 3×3 or 4×4 tiles of 160 px
    assert grid.mode == "L"  # blurred greyscale tiles, as the stored grid
    if keyframes == 9:
        assert response.content == vault.load(media.preview_vault_name)  # the stored one


def test_a_video_faster_than_the_playback_rate_keeps_its_duration():
    data = synthetic.video_bytes(53, seconds=2.0, fps=60, size=(160, 120))
    with av.open(io.BytesIO(playback.transcode(data, PreviewStyle()))) as container:
        frames = list(container.decode(container.streams.video[0]))
    assert 55 <= len(frames) <= 62  # 2 s at 30 fps, not 120 frames at half speed
    assert 1.8 <= frames[-1].time <= 2.05


def test_a_video_that_cannot_be_decoded_is_refused_not_a_500(held_video):
    client, _, case, media, _ = held_video
    name, _ = vault.store(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 400)
    type(media).objects.filter(pk=media.pk).update(vault_name=name)
    response = play(client, case, media)
    assert response.status_code == 400 and b"cannot be decoded" in response.content
