// MainWindow's attach mode: pick a session and env of a running engine and show the frames
// that a SpectatorWorker pulls (docs/viewer.md, "Attaching to a running engine").
#include <QInputDialog>
#include <QMessageBox>
#include <cstdio>

#include "main_window.h"

namespace coinrun::viewer {
namespace {
// While attached and no session exists yet, look again this often.
constexpr int kSessionRetryMs = 1000;
}  // namespace


void MainWindow::open_attach_dialog() {
  bool ok = false;
  const QString ep = QInputDialog::getText(this, tr("Attach"), tr("Engine endpoint:"),
                                           QLineEdit::Normal,
                                           endpoint_.isEmpty() ? "tcp://127.0.0.1:5555" : endpoint_,
                                           &ok);
  if (!ok || ep.isEmpty()) return;
  try {
    attach(ep, std::nullopt, 0);
  } catch (const SpectatorError& e) {
    QMessageBox::warning(this, tr("Cannot attach"), QString::fromStdString(e.what()));
  }
}

void MainWindow::attach(const QString& endpoint, std::optional<uint64_t> session, int env) {
  SpectatorClient client(endpoint.toStdString(), kSpectatorTimeout);  // throws if unreachable
  spectator_.reset();
  timer_.stop();
  mode_ = Mode::Attach;
  endpoint_ = endpoint;
  env_ = env;
  const std::vector<SessionInfo> sessions = client.list_sessions();
  if (session) {
    session_ = *session;
    for (const SessionInfo& s : sessions) {
      if (s.session == session_) session_info_ = s;
    }
  } else if (sessions.size() == 1) {
    session_ = sessions[0].session;
    session_info_ = sessions[0];
  } else if (sessions.empty()) {
    message_ = tr("no sessions yet; waiting for one");
    update_status();
    QTimer::singleShot(kSessionRetryMs, this, [this, endpoint, env] {
      if (mode_ != Mode::Attach || spectator_) return;
      try {
        attach(endpoint, std::nullopt, env);
      } catch (const SpectatorError& e) {
        message_ = QString::fromStdString(e.what());
        update_status();
      }
    });
    return;
  } else {
    pick_session();
    return;
  }
  message_.clear();
  start_spectator();
}

void MainWindow::pick_session() {
  if (endpoint_.isEmpty()) return open_attach_dialog();
  std::vector<SessionInfo> sessions;
  try {
    sessions = SpectatorClient(endpoint_.toStdString(), kSpectatorTimeout).list_sessions();
  } catch (const SpectatorError& e) {
    QMessageBox::warning(this, tr("Cannot list sessions"), QString::fromStdString(e.what()));
    return;
  }
  if (sessions.empty()) {
    QMessageBox::information(this, tr("Attach"), tr("The engine has no sessions."));
    return;
  }
  QStringList items;
  for (const SessionInfo& s : sessions) {
    items << tr("session %1: %2, %3 envs, %4 steps, pid %5 %6")
                 .arg(s.session)
                 .arg(QString::fromStdString(s.game))
                 .arg(s.num_envs)
                 .arg(s.steps)
                 .arg(s.client_pid)
                 .arg(QString::fromStdString(s.label));
  }
  bool ok = false;
  const QString item = QInputDialog::getItem(this, tr("Attach"), tr("Session:"), items, 0,
                                             false, &ok);
  if (!ok) return;
  const SessionInfo& s = sessions[static_cast<size_t>(items.indexOf(item))];
  const int env = QInputDialog::getInt(this, tr("Attach"), tr("Env (0..%1):").arg(s.num_envs - 1),
                                       0, 0, std::max(0, s.num_envs - 1), 1, &ok);
  if (!ok) return;
  mode_ = Mode::Attach;
  timer_.stop();
  session_ = s.session;
  session_info_ = s;
  env_ = env;
  start_spectator();
}

void MainWindow::switch_env(int delta) {
  if (mode_ != Mode::Attach || session_info_.num_envs <= 0) return;
  env_ = (env_ + delta + session_info_.num_envs) % session_info_.num_envs;
  start_spectator();
}

int MainWindow::spectator_side() const {
  // The engine draws spectator frames on the thread that steps the sessions, and bigger
  // frames cost it more: never ask for more than the 512 x 512 hi-res view (§7.12); the
  // window scales it up smoothly.
  return view_mode_ == ViewMode::AgentView ? kObsSide : std::min(kHiResSide, view_->render_side());
}

void MainWindow::start_spectator() {
  spectator_.reset();
  frame_times_ms_.clear();
  const int side = spectator_side();
  // The worker thread posts each frame to the GUI thread; QPointer-free because the
  // window owns the worker and joins it before it is destroyed.
  spectator_ = std::make_unique<SpectatorWorker>(
      endpoint_.toStdString(), session_, env_, side, fps_,
      [this](const SpectatorFrame& f) {
        QMetaObject::invokeMethod(this, [this, f] { show_spectator_frame(f); },
                                  Qt::QueuedConnection);
      },
      [this](const std::string& err) {
        QMetaObject::invokeMethod(
            this, [this, err] {
              const QString msg = QString::fromStdString(err);
              // Also on stderr (once per distinct message): the status line may not be seen.
              if (msg != message_) std::fprintf(stderr, "coinrun-viewer: %s\n", qPrintable(msg));
              message_ = msg;
              update_status();
            },
            Qt::QueuedConnection);
      });
}

void MainWindow::show_spectator_frame(const SpectatorFrame& f) {
  if (mode_ != Mode::Attach) return;
  last_spectator_ = f;
  message_.clear();
  frame_ = QImage(last_spectator_.rgb.data(), f.width, f.height, 3 * f.width,
                  QImage::Format_RGB888);
  if (video_.active()) video_.add_frame(frame_);
  view_->set_frame(frame_, QString::number(f.episode_length));
  if (spectator_) {
    spectator_->set_side(spectator_side());
  }
  note_frame_time();
  update_status();
}

}  // namespace coinrun::viewer
