#include "main_window.h"

#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QInputDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <cstdio>
#include <cmath>
#include <cstring>

#include "core/game_registry.h"
#include "episode_file.h"

namespace coinrun::viewer {
namespace {

// The fps shown is measured over the frames of the last second.
constexpr qint64 kFpsWindowMs = 1000;
// Speeds offered in the menu (§10.9 default first).
constexpr double kFpsChoices[] = {15.0, 30.0, 60.0};

QString game_title(const std::string& name) {
  const Game* g = find_game(name);
  return g ? QString::fromUtf8(g->info().title.data(), g->info().title.size())
           : QString::fromStdString(name);
}

}  // namespace

MainWindow::MainWindow(PoolOptions opts, std::optional<uint32_t> level, double fps)
    : view_(new GameView(this)), status_(new QLabel(this)), loop_(std::move(opts), level) {
  setCentralWidget(view_);
  statusBar()->addWidget(status_, 1);
  build_menus();
  timer_.setSingleShot(true);
  timer_.setTimerType(Qt::PreciseTimer);
  connect(&timer_, &QTimer::timeout, this, [this] {
    on_tick();
    if (mode_ != Mode::Attach && !(mode_ == Mode::Replay && verdict_.finished)) schedule_tick();
  });
  connect(view_, &GameView::end_episode_requested, this, [this] {
    if (mode_ == Mode::Play) {
      loop_.new_episode();
      refresh_frame();
    }
  });
  connect(view_, &GameView::view_mode_requested, this, &MainWindow::set_view_mode);
  connect(view_, &GameView::target_zoom_requested, this,
          [this](float z) { loop_.set_target_zoom(z); });
  connect(view_, &GameView::record_toggle_requested, this, &MainWindow::toggle_video);
  clock_.start();
  set_fps(fps);
  view_->setFocus();
  refresh_frame();
}

MainWindow::~MainWindow() {
  spectator_.reset();  // joins the worker before the window it posts to goes away
  if (video_.active()) video_.finish();
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Open replay..."), this, &MainWindow::open_replay);
  file->addAction(tr("Save last episode..."), this, &MainWindow::save_last_episode);
  file->addAction(tr("Start/stop video export\tR"), this, &MainWindow::toggle_video);
  file->addAction(tr("Attach to engine..."), this, &MainWindow::open_attach_dialog);
  file->addSeparator();
  file->addAction(tr("Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* game = menuBar()->addMenu(tr("&Game"));
  game_group_ = new QActionGroup(this);
  for (const Game* g : all_games()) {
    const QString name = QString::fromUtf8(g->info().name.data(), g->info().name.size());
    QAction* a = game->addAction(game_title(name.toStdString()) + " (" + name + ")");
    a->setCheckable(true);
    a->setData(name);
    a->setChecked(name.toStdString() == loop_.options().game);
    game_group_->addAction(a);
    connect(a, &QAction::triggered, this, [this, name] { choose_game(name); });
  }
  game->addSeparator();
  high_difficulty_action_ = game->addAction(tr("High difficulty"));
  high_difficulty_action_->setCheckable(true);
  high_difficulty_action_->setChecked(loop_.options().high_difficulty);
  connect(high_difficulty_action_, &QAction::triggered, this, [this](bool on) {
    restart_play_with([on](PoolOptions& o) { o.high_difficulty = on; });
  });
  vel_info_action_ = game->addAction(tr("Paint velocity info"));
  vel_info_action_->setCheckable(true);
  vel_info_action_->setChecked(resolve_paint_vel_info(loop_.options()));
  connect(vel_info_action_, &QAction::triggered, this, [this](bool on) {
    restart_play_with([on](PoolOptions& o) { o.paint_vel_info = on ? 1 : 0; });
  });
  game->addAction(tr("Restart episode\tReturn"), this, [this] {
    if (mode_ == Mode::Replay) {
      start_replay(replay_);
    } else if (mode_ == Mode::Play) {
      loop_.new_episode();
      refresh_frame();
    }
  });

  QMenu* level = menuBar()->addMenu(tr("&Level"));
  level->addAction(tr("Play level seed..."), this, &MainWindow::choose_level_seed);
  level->addAction(tr("Random levels (num_levels, set_seed)..."), this,
                   &MainWindow::choose_level_set);
  level->addAction(tr("Next level seed"), QKeySequence(Qt::Key_PageDown), this, [this] {
    const uint32_t s = loop_.env().state().level_seed;
    restart_play_with([](PoolOptions&) {});
    loop_.set_fixed_level(s + 1);
    refresh_frame();
  });

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("Window resolution\tF1"), this,
                  [this] { set_view_mode(ViewMode::WindowResolution); });
  view->addAction(tr("Agent view 64x64\tF2"), this,
                  [this] { set_view_mode(ViewMode::AgentView); });
  const char* zoom_keys[] = {"F5", "F6", "F7", "F8"};
  const float zooms[] = {1, 2, 3, 5};
  for (int i = 0; i < 4; ++i) {
    const float z = zooms[i];
    view->addAction(tr("Zoom %1\t%2").arg(z).arg(zoom_keys[i]), this,
                    [this, z] { loop_.set_target_zoom(z); });
  }
  view->addSeparator();
  auto* speed = new QActionGroup(this);
  for (double f : kFpsChoices) {
    QAction* a = view->addAction(tr("%1 ticks per second").arg(f));
    a->setCheckable(true);
    a->setChecked(f == kDefaultFps);
    speed->addAction(a);
    connect(a, &QAction::triggered, this, [this, f] { set_fps(f); });
  }

  QMenu* att = menuBar()->addMenu(tr("&Attach"));
  att->addAction(tr("Choose session..."), this, &MainWindow::pick_session);
  att->addAction(tr("Next env"), this, [this] { switch_env(+1); });
  att->addAction(tr("Previous env"), this, [this] { switch_env(-1); });
}

void MainWindow::set_fps(double fps) {
  fps_ = std::clamp(fps, 1.0, kMaxFps);
  next_tick_ms_ = static_cast<double>(clock_.elapsed());
  if (mode_ != Mode::Attach) schedule_tick();
  if (spectator_) spectator_->set_fps(fps_);
}

void MainWindow::set_view_side(int side) {
  resize(side, side + menuBar()->sizeHint().height() + statusBar()->sizeHint().height());
}

void MainWindow::set_view_mode(ViewMode m) {
  view_mode_ = m;
  if (mode_ != Mode::Attach) refresh_frame();
}

void MainWindow::restart_play_with(const std::function<void(PoolOptions&)>& change) {
  PoolOptions o = loop_.options();
  change(o);
  start_play(o, loop_.fixed_level());
}

void MainWindow::start_play(PoolOptions opts, std::optional<uint32_t> level) {
  spectator_.reset();
  mode_ = Mode::Play;
  loop_.reset_options(std::move(opts), level);
  for (QAction* a : game_group_->actions()) {
    a->setChecked(a->data().toString().toStdString() == loop_.options().game);
  }
  high_difficulty_action_->setChecked(loop_.options().high_difficulty);
  vel_info_action_->setChecked(resolve_paint_vel_info(loop_.options()));
  message_.clear();
  next_tick_ms_ = static_cast<double>(clock_.elapsed());
  schedule_tick();
  refresh_frame();
}

void MainWindow::start_replay(const EpisodeRecord& rec) {
  spectator_.reset();
  mode_ = Mode::Replay;
  replay_ = rec;
  replay_pos_ = 0;
  verdict_ = ReplayVerdict{};
  loop_.reset_options(rec.options, rec.level_seed);
  loop_.set_zoom(rec.zoom);
  message_.clear();
  next_tick_ms_ = static_cast<double>(clock_.elapsed());
  schedule_tick();
  refresh_frame();
}

void MainWindow::tick_once() { on_tick(); }

void MainWindow::schedule_tick() {
  // Deadlines on a fixed grid (start + n * period) rather than a repeating integer-ms
  // interval: 60 fps stays 60.0, not 62.5, and a late tick does not shift all later ones.
  const double period = 1000.0 / fps_;
  const double now = static_cast<double>(clock_.elapsed());
  next_tick_ms_ += period;
  if (next_tick_ms_ < now - period) next_tick_ms_ = now;  // fell far behind: no burst
  timer_.start(static_cast<int>(std::max(0.0, std::round(next_tick_ms_ - now))));
}

void MainWindow::step_with(int action) {
  after_play_tick(loop_.tick(action));
  refresh_frame();
}

void MainWindow::after_play_tick(const StepResult& r) {
  if (!r.done() || save_episode_path_.isEmpty() || !loop_.last_finished()) return;
  try {
    save_episode(*loop_.last_finished(), save_episode_path_);
    message_ = tr("episode saved to %1").arg(save_episode_path_);
  } catch (const EpisodeFileError& e) {
    message_ = QString::fromStdString(e.what());
  }
}

void MainWindow::on_tick() {
  if (mode_ == Mode::Play) {
    after_play_tick(loop_.tick(view_->take_action()));
    refresh_frame();
  } else if (mode_ == Mode::Replay) {
    if (verdict_.finished) return;
    view_->take_action();  // keys do nothing during a replay; drop taps
    StepResult r;
    if (replay_pos_ < replay_.actions.size()) r = loop_.tick(replay_.actions[replay_pos_++]);
    check_replay_end(r);
    refresh_frame();
  }
}

void MainWindow::finish_replay() {
  while (mode_ == Mode::Replay && !verdict_.finished) {
    StepResult r;
    if (replay_pos_ < replay_.actions.size()) r = loop_.tick(replay_.actions[replay_pos_++]);
    check_replay_end(r);
    if (video_.active()) refresh_frame();  // an export wants every frame, not just the last
  }
  if (!video_.active()) refresh_frame();
}

void MainWindow::check_replay_end(const StepResult& r) {
  if (!r.done() && replay_pos_ < replay_.actions.size()) return;
  verdict_.finished = true;
  timer_.stop();
  const GameState& s = loop_.env().state();
  if (!replay_.result) {
    verdict_.message = tr("replay finished after %1 actions (the file has no result to check)")
                           .arg(replay_pos_);
    return;
  }
  const EpisodeResult& want = *replay_.result;
  QStringList diffs;
  if (!r.done()) {
    diffs << tr("the episode did not end (recorded: ended after %1 steps)").arg(want.length);
  } else {
    if (r.episode_length != want.length) {
      diffs << tr("length %1 != %2").arg(r.episode_length).arg(want.length);
    }
    if (r.episode_return != want.episode_return) {
      diffs << tr("return %1 != %2").arg(r.episode_return).arg(want.episode_return);
    }
    if (r.terminated != want.terminated || r.truncated != want.truncated ||
        r.prev_level_complete != want.level_complete) {
      diffs << tr("end flags differ");
    }
  }
  if (want.has_agent) {
    const Agent& a = s.agent;
    // Bit-exact: the engine is deterministic, so "close" would hide a real divergence.
    if (std::memcmp(&a.x, &want.x, sizeof(float)) != 0 ||
        std::memcmp(&a.y, &want.y, sizeof(float)) != 0 ||
        std::memcmp(&a.vx, &want.vx, sizeof(float)) != 0 ||
        std::memcmp(&a.vy, &want.vy, sizeof(float)) != 0) {
      diffs << tr("agent (%1, %2, %3, %4) != recorded (%5, %6, %7, %8)")
                   .arg(a.x).arg(a.y).arg(a.vx).arg(a.vy)
                   .arg(want.x).arg(want.y).arg(want.vx).arg(want.vy);
    }
  }
  verdict_.checked = true;
  verdict_.matches = diffs.isEmpty();
  verdict_.message = verdict_.matches
                         ? tr("replay finished: matches the recording (%1 steps, return %2)")
                               .arg(want.length)
                               .arg(want.episode_return)
                         : tr("replay DIFFERS from the recording: ") + diffs.join("; ");
}

void MainWindow::render_local(int side) {
  rgb_.resize(static_cast<size_t>(side) * side * 3);
  loop_.env().render(FrameView::packed(rgb_.data(), side, side));
  // QImage wraps the buffer; rgb_ is not resized again until the next render.
  frame_ = QImage(rgb_.data(), side, side, 3 * side, QImage::Format_RGB888);
}

void MainWindow::refresh_frame() {
  if (mode_ == Mode::Attach) return;
  loop_.advance_zoom();
  const int side = view_mode_ == ViewMode::AgentView ? kObsSide : view_->render_side();
  if (video_.active()) {
    // Videos are always 512 x 512 (§10.9), whatever the window size.
    render_local(kHiResSide);
    if (!video_.add_frame(frame_)) message_ = video_.error();
  }
  render_local(side);
  view_->set_frame(frame_, QString::number(loop_.env().state().age));
  note_frame_time();
  update_status();
}

void MainWindow::note_frame_time() {
  if (frames_left_ > 0 && --frames_left_ == 0) {
    QMetaObject::invokeMethod(
        this,
        [this] {
          if (!window_shot_path_.isEmpty() && !grab().save(window_shot_path_, "PNG")) {
            std::fprintf(stderr, "coinrun-viewer: cannot write %s\n",
                         qPrintable(window_shot_path_));
          }
          QCoreApplication::quit();
        },
        Qt::QueuedConnection);
  }
  const qint64 now = clock_.elapsed();
  frame_times_ms_.push_back(now);
  while (!frame_times_ms_.empty() && frame_times_ms_.front() < now - kFpsWindowMs) {
    frame_times_ms_.pop_front();
  }
}

QImage MainWindow::screenshot(int side, bool hud) {
  if (mode_ != Mode::Attach) {
    const int render_side = view_mode_ == ViewMode::AgentView ? kObsSide : side;
    render_local(render_side);
    view_->set_frame(frame_, hud ? QString::number(loop_.env().state().age) : QString());
  }
  return view_->compose(QSize(side, side));
}

QString MainWindow::status_text() const { return status_->text(); }

void MainWindow::update_status() {
  const double fps = frame_times_ms_.size() > 1
                         ? 1000.0 * static_cast<double>(frame_times_ms_.size() - 1) /
                               std::max<qint64>(1, frame_times_ms_.back() - frame_times_ms_.front())
                         : 0.0;
  QStringList parts;
  if (mode_ == Mode::Attach) {
    parts << tr("attached to %1").arg(endpoint_)
          << tr("session %1 env %2 (%3%4)")
                 .arg(session_)
                 .arg(env_)
                 .arg(game_title(session_info_.game))
                 .arg(session_info_.label.empty()
                          ? QString()
                          : ", " + QString::fromStdString(session_info_.label))
          << tr("level %1").arg(last_spectator_.level_seed)
          << tr("step %1").arg(last_spectator_.episode_length)
          << tr("return %1").arg(last_spectator_.episode_return);
  } else {
    const GameState& s = loop_.env().state();
    parts << game_title(loop_.options().game) +
                 (loop_.options().high_difficulty ? tr(" (hard)") : QString())
          << tr("level %1").arg(s.level_seed) << tr("step %1").arg(loop_.episode_step())
          << tr("return %1").arg(loop_.episode_return());
    if (mode_ == Mode::Replay) {
      parts << tr("replay %1/%2").arg(replay_pos_).arg(replay_.actions.size());
    }
  }
  parts << tr("%1 fps").arg(fps, 0, 'f', 1);
  if (video_.active()) parts << tr("REC %1").arg(video_.frames());
  if (mode_ == Mode::Replay && verdict_.finished) parts << verdict_.message;
  if (!message_.isEmpty()) parts << message_;
  status_->setText(parts.join(QStringLiteral("  |  ")));
}

void MainWindow::choose_game(const QString& name) {
  restart_play_with([&](PoolOptions& o) {
    o.game = name.toStdString();
    o.paint_vel_info = 0;  // §10.9: off unless asked for, in every game
  });
}

void MainWindow::choose_level_seed() {
  bool ok = false;
  const qint64 cur = loop_.env().state().level_seed;
  const qint64 s = QInputDialog::getInt(this, tr("Level seed"), tr("Play level seed:"),
                                        static_cast<int>(std::min<qint64>(cur, INT32_MAX)),
                                        INT32_MIN, INT32_MAX, 1, &ok);
  if (!ok) return;
  if (mode_ != Mode::Play) start_play(loop_.options(), std::nullopt);
  loop_.set_fixed_level(static_cast<uint32_t>(s));
  refresh_frame();
}

void MainWindow::choose_level_set() {
  bool ok = false;
  const int n = QInputDialog::getInt(this, tr("Random levels"),
                                     tr("num_levels (0 = unlimited):"),
                                     loop_.options().num_levels, 0, INT32_MAX, 1, &ok);
  if (!ok) return;
  const int set_seed = QInputDialog::getInt(
      this, tr("Random levels"), tr("set_seed (-1 = levels 0..num_levels-1):"),
      static_cast<int>(loop_.options().set_seed), -1, INT32_MAX, 1, &ok);
  if (!ok) return;
  PoolOptions o = loop_.options();
  o.num_levels = n;
  o.set_seed = set_seed;
  start_play(o, std::nullopt);
}

void MainWindow::open_replay() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open recorded episode"), {},
                                                    tr("Episodes (*.json)"));
  if (path.isEmpty()) return;
  try {
    start_replay(load_episode(path));
  } catch (const EpisodeFileError& e) {
    QMessageBox::warning(this, tr("Cannot replay"), QString::fromStdString(e.what()));
  }
}

void MainWindow::save_last_episode() {
  const std::optional<EpisodeRecord>& last = loop_.last_finished();
  if (!last) {
    QMessageBox::information(this, tr("Save episode"), tr("No episode has finished yet."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(this, tr("Save episode"),
                                                    QStringLiteral("episode.json"),
                                                    tr("Episodes (*.json)"));
  if (path.isEmpty()) return;
  try {
    save_episode(*last, path);
    message_ = tr("episode saved to %1").arg(path);
  } catch (const EpisodeFileError& e) {
    QMessageBox::warning(this, tr("Cannot save"), QString::fromStdString(e.what()));
  }
}

void MainWindow::toggle_video() {
  if (video_.active()) {
    message_ = stop_video();
  } else {
    start_video(default_video_dir());
  }
  update_status();
}

void MainWindow::start_video(const QString& dir) {
  try {
    video_.start(dir, fps_);
    message_ = tr("recording video frames to %1").arg(dir);
  } catch (const std::exception& e) {
    message_ = QString::fromStdString(e.what());
  }
}

QString MainWindow::stop_video() { return video_.finish(); }

}  // namespace coinrun::viewer
