// coinrun-viewer: play any game with the keyboard, replay a recorded episode, or watch a
// session of a running coinrun-engine. The headless options (--screenshot, --print-state,
// --check, --export-frames, --list) run without showing a window, for tests and docs.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QKeyEvent>
#include <QKeySequence>
#include <QRegularExpression>
#include <QTextStream>
#include <cstdio>
#include <optional>

#include "core/game_registry.h"
#include "episode_file.h"
#include "main_window.h"

namespace cv = coinrun::viewer;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int64_t parse_int(const QString& name, const QString& text, int64_t lo, int64_t hi) {
  bool ok = false;
  const qlonglong v = text.toLongLong(&ok);
  if (!ok || v < lo || v > hi) {
    throw UsageError(QStringLiteral("--%1 must be an integer in [%2, %3], got '%4'")
                         .arg(name)
                         .arg(lo)
                         .arg(hi)
                         .arg(text)
                         .toStdString());
  }
  return v;
}

uint64_t parse_session(const QString& text) {
  bool ok = false;
  const qulonglong v = text.toULongLong(&ok);
  if (!ok) {
    throw UsageError("--session must be a session id (see --list), got '" +
                     text.toStdString() + "'");
  }
  return v;
}

std::vector<int> parse_actions(const QString& digits) {
  std::vector<int> out;
  for (qsizetype i = 0; i < digits.size(); ++i) {
    const int a = digits[i].digitValue();
    if (a < 0 || a >= coinrun::kNumActions) {
      throw UsageError(QStringLiteral("--actions: '%1' at position %2 is not an action 0..6")
                           .arg(digits[i])
                           .arg(i)
                           .toStdString());
    }
    out.push_back(a);
  }
  return out;
}

// --key-script "press:Right tick:20 release:Right": key events go through Qt's event
// delivery to the game view exactly as typed keys do; tick:N runs N timer ticks.
void run_key_script(cv::MainWindow& w, const QString& script) {
  for (const QString& tok : script.split(QRegularExpression("[\\s,]+"), Qt::SkipEmptyParts)) {
    const QString verb = tok.section(':', 0, 0);
    const QString arg = tok.section(':', 1);
    if (verb == "tick") {
      const int64_t n = parse_int("key-script tick", arg, 0, 1'000'000);
      for (int64_t i = 0; i < n; ++i) w.tick_once();
    } else if (verb == "press" || verb == "release" || verb == "tap") {
      const QKeySequence seq = QKeySequence::fromString(arg);
      if (seq.isEmpty() || seq[0].key() == Qt::Key_unknown) {
        throw UsageError("--key-script: unknown key '" + arg.toStdString() + "'");
      }
      const Qt::Key key = seq[0].key();
      if (verb != "release") {
        QKeyEvent down(QEvent::KeyPress, key, Qt::NoModifier);
        QCoreApplication::sendEvent(w.view(), &down);
      }
      if (verb != "press") {
        QKeyEvent up(QEvent::KeyRelease, key, Qt::NoModifier);
        QCoreApplication::sendEvent(w.view(), &up);
      }
    } else {
      throw UsageError("--key-script: '" + tok.toStdString() +
                       "' is not press:KEY, release:KEY, tap:KEY or tick:N");
    }
  }
}

void save_png(const QImage& img, const QString& path) {
  if (!img.save(path, "PNG")) {
    throw UsageError("cannot write the screenshot '" + path.toStdString() + "'");
  }
}

int run_attach_headless(const QCommandLineParser& p, int side) {
  const QString ep = p.value("attach");
  cv::SpectatorClient client(ep.toStdString(), cv::kSpectatorTimeout);
  const auto sessions = client.list_sessions();
  if (p.isSet("list")) {
    QTextStream out(stdout);
    out << "[";
    for (size_t i = 0; i < sessions.size(); ++i) {
      const auto& s = sessions[i];
      out << (i ? ", " : "") << "{\"session\": " << s.session << ", \"game\": \""
          << QString::fromStdString(s.game) << "\", \"num_envs\": " << s.num_envs
          << ", \"steps\": " << s.steps << ", \"client_pid\": " << s.client_pid << "}";
    }
    out << "]\n";
    return 0;
  }
  if (sessions.empty() && !p.isSet("session")) throw UsageError("the engine has no sessions");
  const uint64_t session =
      p.isSet("session") ? parse_session(p.value("session")) : sessions.front().session;
  const int env = static_cast<int>(parse_int("env", p.value("env"), 0, coinrun::kMaxEnvs - 1));
  const bool agent_view = p.isSet("agent-view");
  cv::SpectatorFrame f;
  const int render_side = agent_view ? cv::kObsSide : side;
  client.render(session, env, render_side, render_side, f);
  const QImage img(f.rgb.data(), f.width, f.height, 3 * f.width, QImage::Format_RGB888);
  if (p.isSet("raw")) {  // the engine's picture only, for byte comparisons in tests
    save_png(img, p.value("screenshot"));
    return 0;
  }
  cv::GameView view;
  view.set_frame(img.copy(), p.isSet("no-hud") ? QString() : QString::number(f.episode_length));
  save_png(view.compose(QSize(side, side)), p.value("screenshot"));
  return 0;
}

int run(QApplication& app) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "CoinRun viewer: play with the arrow keys (Return ends the episode, F1/F2 window or "
      "agent view, F5-F8 zoom, R video), replay a recorded episode, or attach to an engine.");
  p.addHelpOption();
  p.addOptions({
      {"game", "Game: standard, platform or maze.", "G", "standard"},
      {"seed", "Play this level seed (every episode).", "S"},
      {"num-levels", "Levels to draw from when no --seed (0 = unlimited).", "N", "0"},
      {"set-seed", "Seed of the level table (-1: levels 0..N-1).", "S", "-1"},
      {"rand-seed", "Seed of the level picker (pool seed).", "S", "0"},
      {"high-difficulty", "High difficulty levels."},
      {"paint-vel-info", "Velocity squares: 0 or 1 (off by default in keyboard play).", "B",
       "0"},
      {"fps", "Ticks per second (1..60).", "F", "15"},
      {"size", "Side of the picture in pixels (window and screenshot).", "PX", "512"},
      {"agent-view", "Start in the 64x64 agent view (F2)."},
      {"actions", "Play these actions (digits 0..6) headlessly.", "DIGITS"},
      {"steps", "Number of scripted steps (the --actions digits repeat; default: their count).",
       "N"},
      {"key-script", "Test hook: 'press:Right tick:20 release:Right ...'.", "SCRIPT"},
      {"screenshot", "Write what the window shows to FILE.png and exit.", "FILE"},
      {"no-hud", "Leave the age text out of the picture."},
      {"raw", "With --attach --screenshot: the engine's frame as received."},
      {"print-state", "Print the game state as JSON and exit."},
      {"save-episode", "Write every finished episode to FILE (JSON).", "FILE"},
      {"replay", "Replay a recorded episode file.", "FILE"},
      {"check", "With --replay: run it headlessly, compare with the recorded result, exit "
                "0 if identical."},
      {"export-frames", "Write every frame (512x512 PNG) into DIR; with --replay headless.",
       "DIR"},
      {"attach", "Watch a session of a running engine.", "ENDPOINT"},
      {"session", "Session id to watch (default: the only or first one).", "ID"},
      {"env", "Env index to watch.", "I", "0"},
      {"list", "With --attach: print the sessions as JSON and exit."},
      {"frames", "Quit after showing N frames (with the window; for tests and exports).", "N"},
      {"window-shot", "With --frames: save a grab of the whole window to FILE.png at the end.",
       "FILE"},
  });
  p.process(app);
  if (!p.positionalArguments().isEmpty()) {
    throw UsageError("unexpected argument '" + p.positionalArguments()[0].toStdString() + "'");
  }

  const int side = static_cast<int>(parse_int("size", p.value("size"), 16, 4096));
  // Scripted input (actions, key scripts) and the output options run without a window.
  const bool headless = p.isSet("screenshot") || p.isSet("print-state") || p.isSet("check") ||
                        p.isSet("list") || (p.isSet("export-frames") && p.isSet("replay")) ||
                        p.isSet("actions") || p.isSet("steps") || p.isSet("key-script");
  if (p.isSet("attach") && headless) return run_attach_headless(p, side);

  coinrun::OptionMap values;
  values["game"] = p.value("game").toStdString();
  values["num_levels"] = parse_int("num-levels", p.value("num-levels"), 0, INT32_MAX);
  values["set_seed"] = parse_int("set-seed", p.value("set-seed"), -1, UINT32_MAX);
  values["seed"] = parse_int("rand-seed", p.value("rand-seed"), INT32_MIN, UINT32_MAX);
  values["high_difficulty"] = p.isSet("high-difficulty");
  values["paint_vel_info"] = parse_int("paint-vel-info", p.value("paint-vel-info"), -1, 1);
  const coinrun::PoolOptions opts = cv::viewer_options(values);
  std::optional<uint32_t> level;
  if (p.isSet("seed")) {
    level = static_cast<uint32_t>(parse_int("seed", p.value("seed"), INT32_MIN, UINT32_MAX));
  }
  const double fps = static_cast<double>(parse_int("fps", p.value("fps"), 1, 60));

  cv::MainWindow w(opts, level, fps);
  w.set_view_side(side);
  if (p.isSet("agent-view")) w.set_view_mode(cv::ViewMode::AgentView);
  if (p.isSet("save-episode")) w.set_save_episode_path(p.value("save-episode"));
  if (p.isSet("export-frames")) w.start_video(p.value("export-frames"));

  int rc = 0;
  if (p.isSet("replay")) {
    w.start_replay(cv::load_episode(p.value("replay")));
    if (headless) {
      w.finish_replay();
      const cv::ReplayVerdict& v = w.replay_verdict();
      std::fprintf(stderr, "coinrun-viewer: %s\n", qPrintable(v.message));
      if (p.isSet("check") && !(v.checked && v.matches)) rc = 1;
    }
  }
  if (p.isSet("actions") || p.isSet("steps")) {
    const std::vector<int> actions = parse_actions(p.value("actions"));
    const int64_t steps = p.isSet("steps") ? parse_int("steps", p.value("steps"), 0, 10'000'000)
                                           : static_cast<int64_t>(actions.size());
    for (int64_t i = 0; i < steps; ++i) {
      w.step_with(actions.empty() ? 0 : actions[static_cast<size_t>(i) % actions.size()]);
    }
  }
  if (p.isSet("key-script")) run_key_script(w, p.value("key-script"));

  if (!headless) {
    if (p.isSet("frames")) {
      w.quit_after_frames(static_cast<int>(parse_int("frames", p.value("frames"), 1, 1'000'000)));
      if (p.isSet("window-shot")) w.set_window_shot_path(p.value("window-shot"));
    }
    if (p.isSet("attach")) {
      std::optional<uint64_t> session;
      if (p.isSet("session")) session = parse_session(p.value("session"));
      w.attach(p.value("attach"), session,
               static_cast<int>(parse_int("env", p.value("env"), 0, coinrun::kMaxEnvs - 1)));
    }
    w.show();
    const int rc = app.exec();
    if (p.isSet("frames")) {
      std::fprintf(stderr, "coinrun-viewer: %s\n", qPrintable(w.status_text()));
    }
    if (w.video_active()) std::fprintf(stderr, "coinrun-viewer: %s\n", qPrintable(w.stop_video()));
    return rc;
  }
  if (p.isSet("screenshot")) {
    save_png(w.screenshot(side, !p.isSet("no-hud")), p.value("screenshot"));
  }
  if (p.isSet("export-frames")) std::fprintf(stderr, "coinrun-viewer: %s\n",
                                             qPrintable(w.stop_video()));
  if (p.isSet("print-state")) std::printf("%s\n", cv::state_json(w.loop()).constData());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("coinrun-viewer");
  QApplication::setApplicationVersion(COINRUN_VERSION);
  try {
    return run(app);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "coinrun-viewer: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Option errors, unreadable episode files, unreachable engines: one clear line.
    std::fprintf(stderr, "coinrun-viewer: %s\n", e.what());
    return 1;
  }
}
